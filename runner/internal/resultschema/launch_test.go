package resultschema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/resultstest"
)

// A run with environment.launch and a benchmark's warmup validates, and the
// schema refuses each of their broken forms.
func TestSchemaLaunchAndWarmup(t *testing.T) {
	run := resultstest.Sample()
	one := uint32(1)
	run.Environment.Launch = []results.Launch{
		{Target: "parse", Deterministic: true, ASLR: results.Setting{Value: "off", SetBy: "runner"},
			PythonHashSeed: &results.Setting{Value: "0", SetBy: "runner"},
			V8Flags:        &results.Setting{Value: "--predictable", SetBy: "runner"}, Warmup: &one},
		{Target: "cli", ASLR: results.Setting{Value: "on", SetBy: "system"}},
	}
	zero := uint32(0)
	run.Benchmarks[0].Warmup = &zero
	good, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if err := resultschema.Validate(good); err != nil {
		t.Fatalf("the run does not validate: %v", err)
	}
	launch := func(m map[string]any) map[string]any {
		return m["environment"].(map[string]any)["launch"].([]any)[0].(map[string]any)
	}
	for name, edit := range map[string]func(m map[string]any){
		"negative warmup":    func(m map[string]any) { bench(m)["warmup"] = -1 },
		"warmup over uint32": func(m map[string]any) { bench(m)["warmup"] = 4294967296 },
		"warmup as a string": func(m map[string]any) { bench(m)["warmup"] = "1" },
		"aslr maybe":         func(m map[string]any) { launch(m)["aslr"] = map[string]any{"value": "maybe", "set_by": "runner"} },
		"set by someone": func(m map[string]any) {
			launch(m)["pythonhashseed"] = map[string]any{"value": "0", "set_by": "someone"}
		},
		"setting as a string": func(m map[string]any) { launch(m)["v8_flags"] = "--predictable" },
		"no target":           func(m map[string]any) { delete(launch(m), "target") },
		"no aslr":             func(m map[string]any) { delete(launch(m), "aslr") },
		"negative launch warmup": func(m map[string]any) {
			launch(m)["warmup"] = -3
		},
		"unknown launch field": func(m map[string]any) { launch(m)["seed"] = 1 },
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		data, _ := json.Marshal(m)
		if err := resultschema.Validate(data); err == nil {
			t.Errorf("%s: validates, want an error", name)
		} else if !strings.Contains(err.Error(), "do not match") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
