package results

import (
	"sort"

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
// then URI: the order of every table memtally prints.
func Groups(run *Run) []Group {
	index := map[[2]string]int{}
	var groups []Group
	for _, b := range run.Benchmarks {
		key := [2]string{b.Target, b.URI}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, Group{Target: b.Target, URI: b.URI})
		}
		groups[i].Runs = append(groups[i].Runs, b)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].Target != groups[j].Target {
			return groups[i].Target < groups[j].Target
		}
		return groups[i].URI < groups[j].URI
	})
	return groups
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
