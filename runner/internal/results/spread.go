package results

import (
	"fmt"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
)

// Spread is one benchmark's numbers over the repetitions of a run
// (--repeat): how far its windows disagree. A benchmark whose windows all
// agree on every judged metric is deterministic; one where any differs is
// noisy, and a comparison with it as the baseline allows that spread.
type Spread struct {
	Target  string        `json:"target"`
	URI     string        `json:"uri"`
	Runs    int           `json:"runs"`
	Noisy   bool          `json:"noisy"`
	Metrics SpreadMetrics `json:"metrics"`
}

// SpreadMetrics holds the spread of each metric a comparison judges, named
// as in a window.
type SpreadMetrics struct {
	PeakBytes   MetricSpread `json:"peak_bytes"`
	TotalBytes  MetricSpread `json:"total_bytes"`
	AllocCount  MetricSpread `json:"alloc_count"`
	LeakedBytes MetricSpread `json:"leaked_bytes"`
}

// MetricSpread is one metric over the runs.
type MetricSpread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// SpreadPercent is 100·(max−min)/median (stats.Summary.SpreadPercent);
	// nil when the median is 0 and the runs differ.
	SpreadPercent *float64 `json:"spread_percent"`
}

// Noisy reports whether the group's windows disagree on any metric a
// comparison judges. A group of one window is not known to be noisy:
// without repeats a benchmark counts as deterministic.
func (g Group) Noisy() bool {
	if len(g.Runs) < 2 {
		return false
	}
	for _, m := range threshold.Metrics {
		if g.Summary(m).Spread() {
			return true
		}
	}
	return false
}

// Widest is the metric whose runs spread the most relative to its
// median, and that spread: the figure a report gives a noisy benchmark.
// A metric whose median is 0 while its runs differ has no such figure (ok
// false), and is the widest only when no other metric differs.
func (g Group) Widest() (m threshold.Metric, s stats.Summary, percent float64, ok bool) {
	found := false
	for _, metric := range threshold.Metrics {
		sum := g.Summary(metric)
		if !sum.Spread() {
			continue
		}
		p, pok := sum.SpreadPercent()
		if !found || pok && (!ok || p > percent) {
			m, s, percent, ok = metric, sum, p, pok
			found = true
		}
	}
	return m, s, percent, ok
}

// NoiseText labels a group for a report: "deterministic" when its runs
// agree, and "noisy" with its widest spread when they do not, such as
// "noisy (count 12.3%)". A single window says nothing about noise: "".
func (g Group) NoiseText() string {
	if len(g.Runs) < 2 {
		return ""
	}
	if !g.Noisy() {
		return "deterministic"
	}
	m, s, p, ok := g.Widest()
	if ok {
		return fmt.Sprintf("noisy (%s %s)", m, stats.FormatPercent(p))
	}
	if m.IsBytes() {
		return fmt.Sprintf("noisy (%s %s)", m, bytesize.FormatRange(s.Min, s.Max))
	}
	return fmt.Sprintf("noisy (%s %.0f–%.0f)", m, s.Min, s.Max)
}

// RecordSpread sets the run's Spread from its windows when it repeated its
// targets, and leaves it empty for a single run, which shows no spread.
func (r *Run) RecordSpread() {
	r.Spread = nil
	if r.Repeat < 2 {
		return
	}
	groups := Groups(r)
	r.Spread = make([]Spread, 0, len(groups))
	for _, g := range groups {
		r.Spread = append(r.Spread, Spread{
			Target: g.Target, URI: g.URI, Runs: len(g.Runs), Noisy: g.Noisy(),
			Metrics: SpreadMetrics{
				PeakBytes:   metricSpread(g.Summary(threshold.Peak)),
				TotalBytes:  metricSpread(g.Summary(threshold.Total)),
				AllocCount:  metricSpread(g.Summary(threshold.Count)),
				LeakedBytes: metricSpread(g.Summary(threshold.Leaked)),
			},
		})
	}
}

func metricSpread(s stats.Summary) MetricSpread {
	ms := MetricSpread{Median: s.Median, Min: s.Min, Max: s.Max}
	if p, ok := s.SpreadPercent(); ok {
		ms.SpreadPercent = &p
	}
	return ms
}
