package results

import (
	"slices"

	"github.com/fvbommel/sortorder"

	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
)

// Group is one benchmark over every repetition of a run: a single window
// without --repeat, N windows with --repeat N.
type Group struct {
	Target string
	URI    string
	Runs   []Benchmark
}

// Groups collects the windows of run by target and URI, sorted by target,
// then URI, in natural order (NaturalCompare): the order of every table
// memtally prints. A group of a single window shares it with run rather
// than copying it, which would double the windows of a run of 100,000
// benchmarks; its Runs has no room to append into run's.
func Groups(run *Run) []Group {
	// Sized up front, for one group per window without --repeat: grown
	// by appends, the map and slices of a run of 100,000 benchmarks
	// left several times their size behind them.
	n := len(run.Benchmarks)
	size := n / max(run.Repeat, 1)
	index := make(map[[2]string]int, size)
	groups := make([]Group, 0, size)
	counts := make([]int, 0, size) // windows per group
	of := make([]int, n)           // the group of each window
	for i, b := range run.Benchmarks {
		key := [2]string{b.Target, b.URI}
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, Group{Target: b.Target, URI: b.URI, Runs: run.Benchmarks[i : i+1 : i+1]})
			counts = append(counts, 0)
		}
		counts[g]++
		of[i] = g
	}
	for g, c := range counts {
		if c > 1 {
			groups[g].Runs = make([]Benchmark, 0, c)
		}
	}
	for i, g := range of {
		if counts[g] > 1 {
			groups[g].Runs = append(groups[g].Runs, run.Benchmarks[i])
		}
	}
	slices.SortStableFunc(groups, func(a, b Group) int {
		return NaturalCompare(a.Target, a.URI, b.Target, b.URI)
	})
	return groups
}

// NaturalCompare orders benchmarks by target, then URI, each in natural
// order: the numbers in a name compare as numbers, so bench_2 comes before
// bench_10, as a suite that numbers its cases lists them.
func NaturalCompare(targetA, uriA, targetB, uriB string) int {
	if c := sortorder.NaturalCompare(targetA, targetB); c != 0 {
		return c
	}
	return sortorder.NaturalCompare(uriA, uriB)
}

// Summary summarises metric m over the group's windows.
func (g Group) Summary(m threshold.Metric) stats.Summary {
	values := make([]float64, len(g.Runs))
	for i, b := range g.Runs {
		values[i] = float64(b.Metric(m))
	}
	return stats.Of(values)
}

// AvgSummary summarises the average allocation size over the windows.
func (g Group) AvgSummary() stats.Summary {
	values := make([]float64, len(g.Runs))
	for i, b := range g.Runs {
		values[i] = b.AvgAllocBytes
	}
	return stats.Of(values)
}

// Status is ok when every window of the group is, and otherwise the status
// and reason of the first window that is not.
func (g Group) Status() (status, reason string) {
	for _, b := range g.Runs {
		if b.Status != StatusOK {
			return b.Status, b.Reason
		}
	}
	return StatusOK, ""
}

// Metric returns the number that threshold metric m names.
func (m *Memory) Metric(name threshold.Metric) uint64 {
	switch name {
	case threshold.Peak:
		return m.PeakBytes
	case threshold.Total:
		return m.TotalBytes
	case threshold.Count:
		return m.AllocCount
	case threshold.Leaked:
		return m.LeakedBytes
	}
	return 0
}
