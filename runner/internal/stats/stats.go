package stats

import (
	"sort"
	"strconv"
)

// Summary is a sample of one metric over N runs.
type Summary struct {
	N      int
	Median float64
	Min    float64
	Max    float64
}

// Of summarises values. The median of an even count is the mean of the two
// middle values.
func Of(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	n := len(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return Summary{N: n, Median: median, Min: s[0], Max: s[n-1]}
}

// Spread reports whether the runs disagreed.
func (s Summary) Spread() bool { return s.Min != s.Max }

// SpreadPercent is the width of the runs' range relative to their median,
// 100·(max−min)/median: 0 when every run agrees. It is relative to the
// median, not the minimum, so that one low outlier does not inflate it.
// ok is false when the median is 0 and the runs disagree, where no
// percentage of the median describes the range.
func (s Summary) SpreadPercent() (p float64, ok bool) {
	if !s.Spread() {
		return 0, true
	}
	if s.Median == 0 {
		return 0, false
	}
	return 100 * (s.Max - s.Min) / s.Median, true
}

// FormatPercent renders a spread for a report: one decimal, or two for a
// spread under 1%, so that a small but real spread does not print as
// 0.0%.
func FormatPercent(p float64) string {
	switch {
	case p == 0 || p >= 1:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	case p >= 0.01:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
	return "<0.01%"
}
