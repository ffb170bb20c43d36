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
	want := "b1 (target fake): peak heap grew from 4.0 KiB to 4.4 KiB, +410 B (+10.0%), over the 5% threshold"
	if got := compare.Explain(regs[0]); got != want {
		t.Errorf("Explain = %q, want %q", got, want)
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

// TestNoise: under --repeat, a median over the threshold whose ranges
// overlap is noise, and one wholly above the base is a regression.
func TestNoise(t *testing.T) {
	runs := func(peaks ...uint64) *results.Run {
		var bs []bench
		for i, p := range peaks {
			bs = append(bs, bench{Target: "t", URI: "b", Peak: p, Total: 10, Count: 1, Repetition: i + 1})
		}
		r := resultstest.Run(bs...)
		r.Repeat = len(peaks)
		return r
	}
	base := runs(1000, 1010, 1200)
	res := compare.Runs(base, runs(1100, 1150, 1190), threshold.Defaults())
	if d := res.Rows[0].Diffs[0]; d.Verdict != compare.Noise {
		t.Errorf("overlapping: %v, want noise", d.Verdict)
	}
	res = compare.Runs(base, runs(1250, 1300, 1260), threshold.Defaults())
	if d := res.Rows[0].Diffs[0]; d.Verdict != compare.Regression {
		t.Errorf("disjoint: %v, want regression", d.Verdict)
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
}
