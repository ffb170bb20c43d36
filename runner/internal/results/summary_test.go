package results_test

import (
	"bytes"
	"testing"

	"memtally.dev/runner/internal/golden"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
)

func TestSummaryGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  *results.Run
		opts results.SummaryOptions
	}{
		{"summary", resultstest.Sample(), results.SummaryOptions{}},
		{"summary-verbose", resultstest.Sample(), results.SummaryOptions{Exact: true}},
		{"summary-repeat", resultstest.Repeated(), results.SummaryOptions{}},
		{"summary-repeat-verbose", resultstest.Repeated(), results.SummaryOptions{Exact: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := tc.run
			run.Targets = append(run.Targets, results.Target{Name: "broken", Status: results.StatusFailed, Reason: "exit status 3"})
			var buf bytes.Buffer
			if err := results.WriteSummary(&buf, run, tc.opts); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.name, buf.Bytes())
		})
	}
}

func TestSummaryJSONGolden(t *testing.T) {
	for name, run := range map[string]*results.Run{"summary-json": resultstest.Sample(), "summary-repeat-json": resultstest.Repeated()} {
		var buf bytes.Buffer
		if err := results.WriteSummaryJSON(&buf, run); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, name, buf.Bytes())
	}
}

// TestSummaryHostile checks that names and reasons that a benchmark
// controls are shown escaped, with the columns aligned on the escaped
// text.
func TestSummaryHostile(t *testing.T) {
	var buf bytes.Buffer
	if err := results.WriteSummary(&buf, resultstest.Hostile(), results.SummaryOptions{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "summary-hostile", buf.Bytes())
}
