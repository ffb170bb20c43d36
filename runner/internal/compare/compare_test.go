package compare_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/golden"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

type bench = resultstest.Bench

func TestPeakRegression(t *testing.T) {
	base := resultstest.Run(bench{Target: "fake", URI: "b1", Peak: 4096, Total: 4196, Count: 2, Leaked: 100})
	head := resultstest.Run(bench{Target: "fake", URI: "b1", Peak: 4506, Total: 4606, Count: 2, Leaked: 100})
	res := compare.Runs(base, head, threshold.Defaults())
	regs := res.Regressions()
	if len(regs) != 2 || regs[0].Diff.Metric != threshold.Peak || regs[1].Diff.Metric != threshold.Total {
		t.Fatalf("regressions = %+v", regs)
	}
	want := "b1 (target fake): peak heap grew from 4.0 KiB to 4.4 KiB, +410 B (+10.0%), over the auto threshold, exact for a benchmark that no repeats showed noisy"
	if got := compare.Explain(regs[0]); got != want {
		t.Errorf("Explain = %q, want %q", got, want)
	}
	// A threshold set by the user means what it says.
	res = compare.Runs(base, head, threshold.Defaults().Merge(threshold.Set{threshold.Peak: {Kind: threshold.Relative, Percent: 5}}))
	want = "b1 (target fake): peak heap grew from 4.0 KiB to 4.4 KiB, +410 B (+10.0%), over the 5% threshold"
	if regs := res.Regressions(); len(regs) != 2 || compare.Explain(regs[0]) != want {
		t.Errorf("peak=5%%: regressions %+v, want the first explained as %q", regs, want)
	}
	// A looser threshold lets it through.
	res = compare.Runs(base, head, threshold.Defaults().Merge(threshold.Set{threshold.Peak: {Kind: threshold.Relative, Percent: 15}, threshold.Total: {Kind: threshold.Off}}))
	if res.Regressed() {
		t.Errorf("regressed with peak=15%%, total=off: %+v", res.Regressions())
	}
}

func TestLeakThresholdZero(t *testing.T) {
	base := resultstest.Run(bench{Target: "t", URI: "b", Peak: 100, Total: 100, Count: 1, Leaked: 0})
	head := resultstest.Run(bench{Target: "t", URI: "b", Peak: 100, Total: 100, Count: 1, Leaked: 1})
	res := compare.Runs(base, head, threshold.Defaults())
	if regs := res.Regressions(); len(regs) != 1 || regs[0].Diff.Metric != threshold.Leaked {
		t.Fatalf("regressions = %+v", regs)
	}
	if got := compare.Explain(res.Regressions()[0]); !strings.Contains(got, "over the 0-byte threshold") {
		t.Errorf("Explain = %q", got)
	}
}

func TestImprovementAndSame(t *testing.T) {
	base := resultstest.Run(bench{Target: "t", URI: "b", Peak: 200, Total: 300, Count: 3, Leaked: 10})
	head := resultstest.Run(bench{Target: "t", URI: "b", Peak: 100, Total: 300, Count: 3, Leaked: 0})
	res := compare.Runs(base, head, threshold.Defaults())
	verdicts := map[threshold.Metric]compare.Verdict{}
	for _, d := range res.Rows[0].Diffs {
		verdicts[d.Metric] = d.Verdict
	}
	want := map[threshold.Metric]compare.Verdict{threshold.Peak: compare.Better, threshold.Total: compare.Same, threshold.Count: compare.Same, threshold.Leaked: compare.Better}
	for m, v := range want {
		if verdicts[m] != v {
			t.Errorf("%s: %v, want %v", m, verdicts[m], v)
		}
	}
}

// repeated is one benchmark "b" of target "t" run once per value of
// metric m, the others constant.
func repeated(m threshold.Metric, values ...uint64) *results.Run {
	var bs []bench
	for i, v := range values {
		b := bench{Target: "t", URI: "b", Peak: 1000, Total: 1000, Count: 1000}
		switch m {
		case threshold.Peak:
			b.Peak = v
		case threshold.Count:
			b.Count = v
		}
		if len(values) > 1 {
			b.Repetition = i + 1
		}
		bs = append(bs, b)
	}
	r := resultstest.Run(bs...)
	if len(values) > 1 {
		r.Repeat = len(values)
	}
	return r
}

func diff(t *testing.T, res *compare.Result, m threshold.Metric) compare.Diff {
	t.Helper()
	for _, d := range res.Rows[0].Diffs {
		if d.Metric == m {
			return d
		}
	}
	t.Fatalf("no %s in %+v", m, res.Rows[0])
	return compare.Diff{}
}

// TestNoise: a change over the threshold whose head median lies within
// the base's min–max range widened by the threshold is noise; beyond it,
// a regression. Thresholds as set, not auto.
func TestNoise(t *testing.T) {
	th := threshold.Defaults().Merge(threshold.Set{threshold.Peak: {Kind: threshold.Relative, Percent: 5}})
	base := repeated(threshold.Peak, 1000, 1010, 1200)
	for _, tc := range []struct {
		head []uint64
		want compare.Verdict
	}{
		{[]uint64{1100, 1150, 1190}, compare.Noise},
		{[]uint64{1250, 1260, 1300}, compare.Noise}, // 1260 = 1200 + 5%: the edge of the band
		{[]uint64{1255}, compare.Noise},             // a single head run is judged by the base's spread too
		{[]uint64{1300, 1350, 1310}, compare.Regression},
		{[]uint64{1261}, compare.Regression},
		{[]uint64{1060}, compare.Within}, // 5% of the median 1010
	} {
		res := compare.Runs(base, repeated(threshold.Peak, tc.head...), th)
		if d := diff(t, res, threshold.Peak); d.Verdict != tc.want {
			t.Errorf("head %v: %v, want %v", tc.head, d.Verdict, tc.want)
		}
	}
}

// TestDeterministicExact: under the default thresholds one extra
// allocation in 1,000 is a regression of a deterministic benchmark,
// whether both sides ran once or their repeats agree; a user's
// threshold keeps its meaning.
func TestDeterministicExact(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head *results.Run
		explain    string
	}{
		{"single runs", repeated(threshold.Count, 1000), repeated(threshold.Count, 1001),
			"b (target t): allocation count grew from 1000 to 1001, +1 (+0.1%), over the auto threshold, exact for a benchmark that no repeats showed noisy"},
		{"repeats agree", repeated(threshold.Count, 1000, 1000, 1000), repeated(threshold.Count, 1001, 1001, 1001),
			"b (target t): median allocation count grew from 1000 to 1001, +1 (+0.1%), over the auto threshold, exact for a deterministic benchmark (its repeats agree)"},
		{"repeated head", repeated(threshold.Count, 1000), repeated(threshold.Count, 1001, 1001),
			"b (target t): median allocation count grew from 1000 to 1001, +1 (+0.1%), over the auto threshold, exact for a deterministic benchmark (its repeats agree)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := compare.Runs(tc.base, tc.head, threshold.Defaults())
			regs := res.Regressions()
			if len(regs) != 1 || regs[0].Diff.Metric != threshold.Count {
				t.Fatalf("regressions %+v, want count", regs)
			}
			if got := compare.Explain(regs[0]); got != tc.explain {
				t.Errorf("Explain = %q, want %q", got, tc.explain)
			}
			if got := compare.ThresholdText(regs[0].Diff); got != "exact (auto)" {
				t.Errorf("threshold %q", got)
			}
			if res.Rows[0].Noisy {
				t.Error("deterministic benchmark marked noisy")
			}
			if res := compare.Runs(tc.base, tc.base, threshold.Defaults()); res.Regressed() {
				t.Errorf("unchanged: %+v", res.Regressions())
			}
			user := threshold.Defaults().Merge(threshold.Set{threshold.Count: {Kind: threshold.Relative, Percent: 5}})
			if res := compare.Runs(tc.base, tc.head, user); res.Regressed() {
				t.Errorf("count=5%%: %+v", res.Regressions())
			}
		})
	}
}

// TestNoisyAuto: a benchmark whose repeats differ gets 5% beyond the
// base's spread under auto, so that a single head run of unchanged code
// stays noise, and a change past both is a regression, explained with
// the spread. Noise seen only in the head's repeats still makes it noisy.
func TestNoisyAuto(t *testing.T) {
	base := repeated(threshold.Count, 1000, 1050, 1100) // spread 100/1050 = 9.5%
	for _, tc := range []struct {
		head []uint64
		want compare.Verdict
	}{
		{[]uint64{1100}, compare.Within},
		{[]uint64{1150}, compare.Noise}, // over 1050 + 5%, within 1100 + 5%
		{[]uint64{1150, 1140, 1160}, compare.Noise},
		{[]uint64{1156}, compare.Regression},
	} {
		res := compare.Runs(base, repeated(threshold.Count, tc.head...), threshold.Defaults())
		d := diff(t, res, threshold.Count)
		if d.Verdict != tc.want || !d.Noisy || compare.ThresholdText(d) != "5% (auto)" {
			t.Errorf("head %v: %v (threshold %s, noisy %v), want %v", tc.head, d.Verdict, compare.ThresholdText(d), d.Noisy, tc.want)
		}
		// The other metrics did not move: noisy or not, the same.
		if p := diff(t, res, threshold.Peak); p.Verdict != compare.Same {
			t.Errorf("peak %v", p.Verdict)
		}
		if tc.want == compare.Regression {
			want := "b (target t): median allocation count grew from 1050 to 1156, +106 (+10.1%), beyond the base's range 1000–1100 (base spread 9.5%) and over the 5% threshold"
			if got := compare.Explain(res.Regressions()[0]); got != want {
				t.Errorf("Explain = %q, want %q", got, want)
			}
		}
	}
	// Noisy in the head's repeats only: 5% from the single base run.
	base = repeated(threshold.Count, 1000)
	if d := diff(t, compare.Runs(base, repeated(threshold.Count, 1030, 1040, 1020), threshold.Defaults()), threshold.Count); d.Verdict != compare.Within {
		t.Errorf("noisy head within 5%%: %v", d.Verdict)
	}
	if d := diff(t, compare.Runs(base, repeated(threshold.Count, 1060, 1070, 1050), threshold.Defaults()), threshold.Count); d.Verdict != compare.Regression {
		t.Errorf("noisy head over 5%%: %v", d.Verdict)
	}
}

func TestAddedRemovedRenamed(t *testing.T) {
	base := resultstest.Run(
		bench{Target: "t", URI: "kept", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "old-name", Peak: 77, Total: 88, Count: 9},
		bench{Target: "t", URI: "gone", Peak: 5, Total: 5, Count: 1},
	)
	head := resultstest.Run(
		bench{Target: "t", URI: "kept", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "new-name", Peak: 77, Total: 88, Count: 9},
		bench{Target: "t", URI: "fresh", Peak: 6, Total: 6, Count: 1},
	)
	res := compare.Runs(base, head, threshold.Defaults())
	if len(res.Rows) != 1 || len(res.Added) != 1 || res.Added[0].URI != "fresh" || len(res.Removed) != 1 || res.Removed[0].URI != "gone" {
		t.Errorf("rows %+v added %+v removed %+v", res.Rows, res.Added, res.Removed)
	}
	if len(res.Renamed) != 1 || res.Renamed[0] != (compare.Rename{Target: "t", From: "old-name", To: "new-name"}) {
		t.Errorf("renamed %+v", res.Renamed)
	}
}

func TestIncompleteNotJudged(t *testing.T) {
	base := resultstest.Run(bench{Target: "t", URI: "b", Peak: 100, Total: 100, Count: 1})
	head := resultstest.Run(bench{Target: "t", URI: "b", Peak: 900, Total: 900, Count: 1, Status: results.StatusIncomplete, Reason: "1 allocation events dropped"})
	res := compare.Runs(base, head, threshold.Defaults())
	if res.Regressed() || !strings.Contains(res.Rows[0].Incomplete, "dropped") {
		t.Errorf("incomplete head: regressed=%v row=%+v", res.Regressed(), res.Rows[0])
	}
	if res.Conclusive() || len(res.NotJudged()) != 1 {
		t.Errorf("incomplete head: conclusive=%v not judged=%d", res.Conclusive(), len(res.NotJudged()))
	}
}

// TestTextNotJudged checks that a comparison never says "ok" about what it
// could not judge: an incomplete benchmark on either side, or two runs
// with no benchmark in common.
func TestTextNotJudged(t *testing.T) {
	ok := bench{Target: "t", URI: "fine", Peak: 100, Total: 100, Count: 1}
	broken := bench{Target: "t", URI: "broken", Peak: 200, Total: 200, Count: 2}
	incomplete := broken
	incomplete.Status, incomplete.Reason = results.StatusIncomplete, "client exited during benchmark"
	for _, tc := range []struct {
		name       string
		base, head *results.Run
		conclusive bool
	}{
		{"compare-incomplete-head", resultstest.Run(ok, broken), resultstest.Run(ok, incomplete), false},
		{"compare-incomplete-base", resultstest.Run(incomplete), resultstest.Run(broken), false},
		{"compare-nothing-in-common", resultstest.Run(ok), resultstest.Run(broken), false},
		{"compare-empty", resultstest.Run(), resultstest.Run(), false},
		{"compare-ok", resultstest.Run(ok), resultstest.Run(ok), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := compare.Runs(tc.base, tc.head, threshold.Defaults())
			if res.Conclusive() != tc.conclusive {
				t.Errorf("Conclusive() = %v, want %v", res.Conclusive(), tc.conclusive)
			}
			var buf bytes.Buffer
			if err := res.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			if !tc.conclusive && regexp.MustCompile(`\bok\b`).Match(buf.Bytes()) {
				t.Errorf("an inconclusive comparison says ok:\n%s", buf.String())
			}
			golden.Check(t, tc.name, buf.Bytes())
		})
	}
}

// TestTextHostile checks that names, URIs and reasons from the results
// files reach the comparison escaped, with the columns aligned on the
// escaped text.
func TestTextHostile(t *testing.T) {
	base, head := resultstest.Hostile(), resultstest.Hostile()
	head.Benchmarks[0].PeakBytes *= 2
	head.Benchmarks[1].URI = "renamed\x1b[0m\r"
	var buf bytes.Buffer
	if err := compare.Runs(base, head, threshold.Defaults()).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "compare-hostile", buf.Bytes())
}

func TestTextGolden(t *testing.T) {
	base := resultstest.Sample()
	head := resultstest.Sample()
	head.Benchmarks[0].PeakBytes = 5100 // small: +11%
	head.Benchmarks[1].URI = "benches/parse.rs::json::huge"
	head.Benchmarks[2].LeakedBytes = 64
	head.Environment.Kernel = "6.2.0-test"
	var buf bytes.Buffer
	res := compare.Runs(base, head, threshold.Defaults())
	if err := res.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "compare", buf.Bytes())

	buf.Reset()
	if err := compare.Runs(resultstest.Repeated(), resultstest.Repeated(), threshold.Defaults()).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "compare-repeat", buf.Bytes())

	// A noisy base and a head that ran once: one metric within the
	// base's spread (noise), one past it (regression), and a
	// deterministic benchmark with one more allocation.
	base = resultstest.Repeated()
	head = resultstest.Run(
		bench{Target: "threads", URI: "pool::spawn", Peak: 4400, Total: 8800, Count: 10, Freed: 10},
		bench{Target: "threads", URI: "pool::steady", Peak: 1000, Total: 1000, Count: 3, Freed: 3},
	)
	buf.Reset()
	if err := compare.Runs(base, head, threshold.Defaults()).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "compare-noise", buf.Bytes())
}

// TestNoisyHostile checks that the line naming a noisy benchmark shows
// its name escaped: a URI from a results file cannot redraw the terminal
// or forge a line of the verdict.
func TestNoisyHostile(t *testing.T) {
	uri := "a\rok: 1 benchmark\n\x1b[2J"
	run := resultstest.Run(
		bench{Target: "t", URI: uri, Peak: 100, Total: 100, Count: 1, Repetition: 1},
		bench{Target: "t", URI: uri, Peak: 120, Total: 100, Count: 1, Repetition: 2},
	)
	run.Repeat = 2
	var buf bytes.Buffer
	if err := compare.Runs(run, run, threshold.Defaults()).WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := `noisy: a\rok: 1 benchmark\n\x1b[2J (target t): base noisy (peak 18.2%) over 2 runs, head noisy (peak 18.2%) over 2 runs` + "\n"
	if !strings.Contains(buf.String(), want) || strings.ContainsAny(buf.String(), "\r\x1b") {
		t.Errorf("output:\n%q\nwant a line %q", buf.String(), want)
	}
}
