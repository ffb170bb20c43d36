package stats

import "sort"

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

// Overlaps reports whether the ranges of s and o share a value: then a
// difference of their medians may be noise, as neither sample lies wholly
// above the other.
func (s Summary) Overlaps(o Summary) bool {
	return s.Min <= o.Max && o.Min <= s.Max
}
