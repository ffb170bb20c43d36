package resultschema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/resultstest"
)

// TestSampleRunsValidate writes the sample runs that the printing tests use
// with results.Write, and validates each file.
func TestSampleRunsValidate(t *testing.T) {
	for name, run := range map[string]*results.Run{"sample": resultstest.Sample(), "repeated": resultstest.Repeated()} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := results.Write(dir, run); err != nil {
			t.Fatal(err)
		}
		if err := resultschema.ValidateFile(filepath.Join(dir, results.FileName)); err != nil {
			t.Error(err)
		}
	}
}

// TestSchemaRejects proves the schema has teeth: each broken document
// fails for the reason given.
func TestSchemaRejects(t *testing.T) {
	good, err := json.Marshal(resultstest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	if err := resultschema.Validate(good); err != nil {
		t.Fatalf("the sample does not validate: %v", err)
	}
	for name, edit := range map[string]func(m map[string]any){
		"wrong schema_version": func(m map[string]any) { m["schema_version"] = 2 },
		"unknown field":        func(m map[string]any) { m["extra"] = true },
		"no environment":       func(m map[string]any) { delete(m, "environment") },
		"negative peak":        func(m map[string]any) { bench(m)["peak_bytes"] = -1 },
		"bad status":           func(m map[string]any) { bench(m)["status"] = "fine" },
		"incomplete without a reason": func(m map[string]any) {
			bench(m)["status"] = "incomplete"
			delete(bench(m), "reason")
		},
		"unknown family": func(m map[string]any) {
			bench(m)["allocators"] = []any{map[string]any{"path": "/x", "families": []any{"gc"}, "symbols": 1}}
		},
		"bad date": func(m map[string]any) { m["started_at"] = "yesterday" },
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

func bench(m map[string]any) map[string]any {
	return m["benchmarks"].([]any)[0].(map[string]any)
}
