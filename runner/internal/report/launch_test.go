package report

import (
	"slices"
	"testing"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
)

// The header says how each target started, and each row which call its
// windows measured.
func TestFromRunLaunchAndWarmup(t *testing.T) {
	run := resultstest.Sample()
	one := uint32(1)
	run.Environment.Launch = []results.Launch{
		{Target: "parse", Deterministic: true, ASLR: results.Setting{Value: "off", SetBy: "runner"},
			PythonHashSeed: &results.Setting{Value: "0", SetBy: "runner"},
			V8Flags:        &results.Setting{Value: "", SetBy: "user"}, Warmup: &one},
		{Target: "cli", ASLR: results.Setting{Value: "on", SetBy: "system"}},
	}
	run.Benchmarks[0].Warmup = &one
	v := FromRun(run, nil)
	for _, want := range []string{
		"target parse: deterministic, ASLR off (runner), PYTHONHASHSEED 0 (runner), V8 flags none (user), warm-up 1",
		"target cli: not deterministic, ASLR on (system), warm-up default",
	} {
		if !slices.Contains(v.Environment, want) {
			t.Errorf("environment lacks %q: %q", want, v.Environment)
		}
	}
	for _, b := range v.Benchmarks {
		want := ""
		if b.URI == run.Benchmarks[0].URI {
			want = "1"
		}
		if b.Warmup != want {
			t.Errorf("%s: warmup %q, want %q", b.URI, b.Warmup, want)
		}
	}
}
