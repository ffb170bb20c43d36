package compare_test

import (
	"strings"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

// Two runs whose targets started differently say so in the environment
// note, one line per setting; a target one side does not record is not a
// difference.
func TestLaunchChanges(t *testing.T) {
	one, zero := uint32(1), uint32(0)
	det := results.Launch{
		Target: "fake", Deterministic: true,
		ASLR:           results.Setting{Value: "off", SetBy: "runner"},
		PythonHashSeed: &results.Setting{Value: "0", SetBy: "runner"},
		V8Flags:        &results.Setting{Value: "--predictable", SetBy: "runner"},
		Warmup:         &one,
	}
	loose := results.Launch{Target: "fake", ASLR: results.Setting{Value: "on", SetBy: "system"}, Warmup: &zero}
	base, head := resultstest.Sample(), resultstest.Sample()
	base.Environment.Launch = []results.Launch{det, {Target: "gone", ASLR: results.Setting{Value: "on", SetBy: "system"}}}
	head.Environment.Launch = []results.Launch{loose, {Target: "new", Deterministic: true, ASLR: results.Setting{Value: "off", SetBy: "runner"}}}
	got := compare.Runs(base, head, threshold.Defaults()).Environment
	want := []string{
		`target fake: deterministic "true" → "false"`,
		`target fake: ASLR "off" → "on"`,
		`target fake: PYTHONHASHSEED "0" → "unset"`,
		`target fake: V8 flags "--predictable" → "unset"`,
		`target fake: warm-up "1" → "0"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("environment changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The runner passing no warm-up, so that each integration ran its own.
	head.Environment.Launch = []results.Launch{{Target: "fake", Deterministic: true, ASLR: det.ASLR, PythonHashSeed: det.PythonHashSeed, V8Flags: det.V8Flags}}
	if got := compare.Runs(base, head, threshold.Defaults()).Environment; strings.Join(got, "\n") != `target fake: warm-up "1" → "default"` {
		t.Errorf("warm-up left to the integrations: %q", got)
	}

	// The same starts, or a file from before environment.launch: no note.
	head.Environment.Launch = []results.Launch{det}
	if got := compare.Runs(base, head, threshold.Defaults()).Environment; len(got) != 0 {
		t.Errorf("same starts: %q", got)
	}
	base.Environment.Launch = nil
	head.Environment.Launch = []results.Launch{loose}
	if got := compare.Runs(base, head, threshold.Defaults()).Environment; len(got) != 0 {
		t.Errorf("base without launch: %q", got)
	}
}
