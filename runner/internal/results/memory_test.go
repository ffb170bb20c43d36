package results_test

import (
	"encoding/json"
	"strings"
	"testing"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/resultstest"
)

// TestSetMemoryCoverage checks that only an unprobed allocator or lost
// events make a benchmark incomplete: an executable that runs no
// allocator is noted and leaves it ok. Each record validates against the
// schema.
func TestSetMemoryCoverage(t *testing.T) {
	goProg := capture.NoAllocator{Path: "/x/esbuild", Reason: "Go program without cgo"}
	stripped := capture.Unprobed{Path: "/x/static", Reason: "no allocator symbols: stripped"}
	cases := []struct {
		name       string
		m          capture.Metrics
		status     string
		reasonHas  string
		noAlloc    int
		unprobedIn int
	}{
		{"no allocator only", capture.Metrics{NoAllocator: []capture.NoAllocator{goProg}}, results.StatusOK, "", 1, 0},
		{"unprobed", capture.Metrics{Unprobed: []capture.Unprobed{stripped}}, results.StatusIncomplete, "/x/static: no allocator symbols", 0, 1},
		{"both", capture.Metrics{Unprobed: []capture.Unprobed{stripped}, NoAllocator: []capture.NoAllocator{goProg}},
			results.StatusIncomplete, "/x/static", 1, 1},
		{"dropped", capture.Metrics{DroppedEvents: 3, NoAllocator: []capture.NoAllocator{goProg}}, results.StatusIncomplete, "3 allocation events dropped", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := resultstest.Run(resultstest.Bench{Target: "t", URI: "u"})
			b := &run.Benchmarks[0]
			b.SetMemory(c.m)
			if b.Status != c.status || !strings.Contains(b.Reason, c.reasonHas) {
				t.Errorf("status %q reason %q, want %q with %q", b.Status, b.Reason, c.status, c.reasonHas)
			}
			if strings.Contains(b.Reason, "esbuild") {
				t.Errorf("reason %q names the program without allocator", b.Reason)
			}
			if len(b.NoAllocator) != c.noAlloc || len(b.Unprobed) != c.unprobedIn {
				t.Errorf("no_allocator %+v, unprobed %+v", b.NoAllocator, b.Unprobed)
			}
			data, err := json.Marshal(run)
			if err != nil {
				t.Fatal(err)
			}
			if c.noAlloc > 0 && !strings.Contains(string(data), `"no_allocator":[{"path":"/x/esbuild","reason":"Go program without cgo"}]`) {
				t.Errorf("results.json lacks the note: %s", data)
			}
			if err := resultschema.Validate(data); err != nil {
				t.Errorf("schema: %v", err)
			}
		})
	}
}
