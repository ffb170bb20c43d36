package cli

import (
	"io"
	"strings"
	"testing"

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
