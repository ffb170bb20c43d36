package results_test

import (
	"slices"
	"testing"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
)

// TestGroupsNaturalOrder checks the order of every table: target, then
// URI, numbers compared as numbers.
func TestGroupsNaturalOrder(t *testing.T) {
	run := resultstest.Run(
		resultstest.Bench{Target: "t10", URI: "a"},
		resultstest.Bench{Target: "t2", URI: "x::bench_10"},
		resultstest.Bench{Target: "t2", URI: "x::bench_9"},
		resultstest.Bench{Target: "t2", URI: "x::bench_10::case_3"},
		resultstest.Bench{Target: "t2", URI: "x::bench_10::case_20"},
		resultstest.Bench{Target: "t2", URI: "x::bench_1"},
		resultstest.Bench{Target: "t2", URI: "x::Bench_5"},
	)
	var got []string
	for _, g := range results.Groups(run) {
		got = append(got, g.Target+" "+g.URI)
	}
	want := []string{
		"t2 x::Bench_5", // bytewise outside numbers: upper case first
		"t2 x::bench_1",
		"t2 x::bench_9",
		"t2 x::bench_10",
		"t2 x::bench_10::case_3",
		"t2 x::bench_10::case_20",
		"t10 a",
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups in order %q, want %q", got, want)
	}
}
