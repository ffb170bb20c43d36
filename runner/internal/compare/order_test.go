package compare_test

import (
	"bytes"
	"regexp"
	"slices"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

// TestNaturalOrder checks that a comparison lists its rows, added,
// removed and renamed benchmarks in natural order, in its result and in
// its text.
func TestNaturalOrder(t *testing.T) {
	base := resultstest.Run(
		bench{Target: "t", URI: "bench_10", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "bench_2", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "gone_10", Peak: 5, Total: 5, Count: 1},
		bench{Target: "t", URI: "gone_9", Peak: 6, Total: 6, Count: 1},
		bench{Target: "t", URI: "old_a", Peak: 71, Total: 81, Count: 3},
		bench{Target: "t", URI: "old_b", Peak: 72, Total: 82, Count: 3},
	)
	head := resultstest.Run(
		bench{Target: "t", URI: "bench_2", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "bench_10", Peak: 1, Total: 1, Count: 1},
		bench{Target: "t", URI: "new_11", Peak: 71, Total: 81, Count: 3},
		bench{Target: "t", URI: "new_3", Peak: 72, Total: 82, Count: 3},
		bench{Target: "t", URI: "fresh_10", Peak: 7, Total: 7, Count: 1},
		bench{Target: "t", URI: "fresh_9", Peak: 8, Total: 8, Count: 1},
	)
	res := compare.Runs(base, head, threshold.Defaults())
	var rows, added, removed, renamed []string
	for _, r := range res.Rows {
		rows = append(rows, r.URI)
	}
	for _, a := range res.Added {
		added = append(added, a.URI)
	}
	for _, r := range res.Removed {
		removed = append(removed, r.URI)
	}
	for _, r := range res.Renamed {
		renamed = append(renamed, r.To)
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"rows", rows, []string{"bench_2", "bench_10"}},
		{"added", added, []string{"fresh_9", "fresh_10"}},
		{"removed", removed, []string{"gone_9", "gone_10"}},
		{"renamed", renamed, []string{"new_3", "new_11"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s %q, want %q", c.what, c.got, c.want)
		}
	}
	var buf bytes.Buffer
	if err := res.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)bench_2\b.*bench_10\b`).Match(buf.Bytes()) {
		t.Errorf("text lists bench_10 before bench_2:\n%s", buf.String())
	}
}
