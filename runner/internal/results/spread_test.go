package results_test

import (
	"encoding/json"
	"strings"
	"testing"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/resultstest"
)

// TestRecordSpread checks the spread a repeated run records: a benchmark
// whose windows agree is deterministic, with a spread of 0; one whose
// peak varies is noisy, with min, max, median and (max−min)/median; a
// leak whose median is 0 has no percentage. The file validates.
func TestRecordSpread(t *testing.T) {
	run := resultstest.Repeated()
	// A leak in one window of three: the median stays 0.
	run.Benchmarks = append(run.Benchmarks,
		resultstest.Run(
			resultstest.Bench{Target: "threads", URI: "pool::leaky", Peak: 10, Total: 10, Count: 1, Repetition: 1},
			resultstest.Bench{Target: "threads", URI: "pool::leaky", Peak: 10, Total: 10, Count: 1, Repetition: 2},
			resultstest.Bench{Target: "threads", URI: "pool::leaky", Peak: 10, Total: 10, Count: 1, Leaked: 64, Repetition: 3},
		).Benchmarks...)
	run.RecordSpread()
	if len(run.Spread) != 3 {
		t.Fatalf("spread of %d benchmarks, want 3: %+v", len(run.Spread), run.Spread)
	}
	byURI := map[string]results.Spread{}
	for _, s := range run.Spread {
		byURI[s.URI] = s
	}
	spawn, steady, leaky := byURI["pool::spawn"], byURI["pool::steady"], byURI["pool::leaky"]
	if !spawn.Noisy || spawn.Runs != 3 {
		t.Errorf("spawn: %+v, want noisy over 3 runs", spawn)
	}
	peak := spawn.Metrics.PeakBytes
	if peak.Min != 4096 || peak.Max != 4200 || peak.Median != 4150 || peak.SpreadPercent == nil || *peak.SpreadPercent != 100*104.0/4150 {
		t.Errorf("spawn peak %+v", peak)
	}
	if c := spawn.Metrics.AllocCount; c.SpreadPercent == nil || *c.SpreadPercent != 0 || c.Min != 10 || c.Max != 10 {
		t.Errorf("spawn count %+v, want 10 in every run", c)
	}
	if steady.Noisy {
		t.Errorf("steady: %+v, want deterministic", steady)
	}
	if l := leaky.Metrics.LeakedBytes; !leaky.Noisy || l.Median != 0 || l.Max != 64 || l.SpreadPercent != nil {
		t.Errorf("leaky: %+v, leaked %+v", leaky, l)
	}
	data, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"spread_percent":null`) {
		t.Errorf("no null spread in %s", data)
	}
	if err := resultschema.Validate(data); err != nil {
		t.Errorf("schema: %v", err)
	}

	single := resultstest.Sample()
	single.RecordSpread()
	if single.Spread != nil {
		t.Errorf("a single run records a spread: %+v", single.Spread)
	}
}

// TestNoiseText checks the label every report gives a benchmark.
func TestNoiseText(t *testing.T) {
	groups := map[string]results.Group{}
	for _, g := range results.Groups(resultstest.Repeated()) {
		groups[g.URI] = g
	}
	for uri, want := range map[string]string{
		"pool::spawn":  "noisy (peak 2.5%)",
		"pool::steady": "deterministic",
	} {
		if got := groups[uri].NoiseText(); got != want {
			t.Errorf("%s: %q, want %q", uri, got, want)
		}
	}
	for _, g := range results.Groups(resultstest.Sample()) {
		if got := g.NoiseText(); got != "" {
			t.Errorf("a single window is labelled %q", got)
		}
	}
}
