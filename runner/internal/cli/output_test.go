package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		positional string
		peak       string
	}{
		{[]string{"a.json", "b.json"}, "a.json b.json", ""},
		{[]string{"--threshold", "peak=1%", "a.json", "b.json"}, "a.json b.json", "1%"},
		{[]string{"a.json", "--threshold", "peak=2%", "b.json"}, "a.json b.json", "2%"},
		{[]string{"a.json", "b.json", "--threshold=peak=3%"}, "a.json b.json", "3%"},
		{[]string{"--", "-a.json", "b.json"}, "-a.json b.json", ""},
	} {
		fs := newFlagSet("test", io.Discard)
		var th thresholdFlags
		fs.Var(&th, "threshold", "")
		pos, help, err := parseInterspersed(fs, tc.args, io.Discard)
		if err != nil || help {
			t.Errorf("%q: help=%v err=%v", tc.args, help, err)
			continue
		}
		if got := strings.Join(pos, " "); got != tc.positional {
			t.Errorf("%q: positional %q, want %q", tc.args, got, tc.positional)
		}
		got := ""
		if p, ok := th[threshold.Peak]; ok {
			got = p.String()
		}
		if got != tc.peak {
			t.Errorf("%q: peak threshold %q, want %q", tc.args, got, tc.peak)
		}
	}
}

func TestOutputFlagsValidate(t *testing.T) {
	ok := outputFlags{repeat: 1, format: "text"}
	if err := ok.validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for name, o := range map[string]outputFlags{
		"repeat 0":              {repeat: 0, format: "text"},
		"format xml":            {repeat: 1, format: "xml"},
		"quiet and verbose":     {repeat: 1, format: "text", quiet: true, verbose: true},
		"threshold no baseline": {repeat: 1, format: "text", thresholds: thresholdFlags{threshold.Peak: {}}},
	} {
		err := o.validate()
		if ExitCode(err) != 2 {
			t.Errorf("%s: %v (exit %d), want a usage error", name, err, ExitCode(err))
		}
	}
}

// TestIncompleteError checks status 3 and its message: the run's own
// incomplete benchmarks, the baseline's that were not judged, nothing in
// common, and a long list cut short.
func TestIncompleteError(t *testing.T) {
	ok := resultstest.Bench{Target: "t", URI: "fine", Peak: 1, Total: 1, Count: 1}
	broken := func(uri string) resultstest.Bench {
		return resultstest.Bench{Target: "t", URI: uri, Peak: 1, Total: 1, Count: 1, Status: results.StatusIncomplete, Reason: "client exited during benchmark"}
	}
	var many []resultstest.Bench
	for i := range 12 {
		many = append(many, broken(fmt.Sprintf("b%02d", i)))
	}
	for _, tc := range []struct {
		name string
		run  *results.Run
		cmp  *compare.Result
		want string
	}{
		{"complete", resultstest.Run(ok), nil, ""},
		{"complete and judged", resultstest.Run(ok), compare.Runs(resultstest.Run(ok), resultstest.Run(ok), threshold.Defaults()), ""},
		{"incomplete", resultstest.Run(ok, broken("x")), nil,
			"1 benchmark incomplete; exit status 3 (--allow-incomplete makes it 0):\n  x (target t): client exited during benchmark"},
		{"baseline incomplete", resultstest.Run(ok), compare.Runs(resultstest.Run(broken("fine")), resultstest.Run(ok), threshold.Defaults()),
			"1 benchmark not judged against the baseline; exit status 3 (--allow-incomplete makes it 0):\n  fine (target t): base incomplete: client exited during benchmark"},
		{"nothing in common", resultstest.Run(ok), compare.Runs(resultstest.Run(), resultstest.Run(ok), threshold.Defaults()),
			"nothing in common with the baseline to compare; exit status 3 (--allow-incomplete makes it 0)"},
		{"many", resultstest.Run(many...), nil,
			"12 benchmarks incomplete; exit status 3 (--allow-incomplete makes it 0):\n" +
				"  b00 (target t): client exited during benchmark\n  b01 (target t): client exited during benchmark\n" +
				"  b02 (target t): client exited during benchmark\n  b03 (target t): client exited during benchmark\n" +
				"  b04 (target t): client exited during benchmark\n  b05 (target t): client exited during benchmark\n" +
				"  b06 (target t): client exited during benchmark\n  b07 (target t): client exited during benchmark\n" +
				"  b08 (target t): client exited during benchmark\n  b09 (target t): client exited during benchmark\n" +
				"  and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := incompleteError(tc.run, tc.cmp)
			if tc.want == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || ExitCode(err) != 3 {
				t.Errorf("got %v (status %d), want status 3 and\n%s", err, ExitCode(err), tc.want)
			}
		})
	}
}

// TestErrorLinesEscaped checks that an error quoting a hostile name is
// printed one escaped line at a time: its own newlines stay, and an
// escape sequence or carriage return inside a line cannot redraw the
// terminal.
func TestErrorLinesEscaped(t *testing.T) {
	got := prefixLines("runner: ", "target a\x1b[2J failed\n  b\rok (target t): c\x00")
	want := "runner: target a\\x1b[2J failed\nrunner:   b\\rok (target t): c\\x00"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
