package threshold

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"memtally.dev/runner/internal/bytesize"
)

// Kind is the form a threshold was written in.
type Kind int

const (
	// Off never reports a regression.
	Off Kind = iota
	// Relative allows growth up to a percentage of the baseline.
	Relative
	// Absolute allows growth up to a fixed amount: bytes, or allocations
	// for the count metric.
	Absolute
	// Auto is exact where the benchmark is deterministic and relative
	// where it is noisy: see Resolve.
	Auto
)

// AutoNoisyPercent is the growth that Auto allows a noisy benchmark beyond
// the spread its baseline's repeats showed: the relative default before
// noise was measured, which kept harmless jitter from failing CI.
const AutoNoisyPercent = 5

// Threshold is how much one metric may grow.
type Threshold struct {
	Kind Kind
	// Percent is the allowed growth of a Relative threshold, 5 for "5%".
	Percent float64
	// Amount is the allowed growth of an Absolute threshold.
	Amount uint64
}

// Metric names a number that thresholds apply to. The names are the keys of
// [thresholds] in codspeed.toml and of the --threshold flag.
type Metric string

// The metrics that a comparison checks.
const (
	Peak   Metric = "peak"
	Total  Metric = "total"
	Count  Metric = "count"
	Leaked Metric = "leaked"
)

// Metrics lists every metric in the order reports show them.
var Metrics = []Metric{Peak, Total, Count, Leaked}

// IsBytes reports whether the metric is a number of bytes, so that sizes
// with units make sense for it.
func (m Metric) IsBytes() bool { return m != Count }

// Parse reads a threshold for metric m: "5%" or "2.5%", a whole amount
// ("0", "4096"), a size with a unit for byte metrics ("4KiB", "1MB"),
// "auto", or "off".
func Parse(m Metric, s string) (Threshold, error) {
	t := strings.TrimSpace(s)
	switch {
	case strings.EqualFold(t, "off"):
		return Threshold{Kind: Off}, nil
	case strings.EqualFold(t, "auto"):
		return Threshold{Kind: Auto}, nil
	case strings.HasSuffix(t, "%"):
		p, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
		if err != nil || p < 0 || math.IsInf(p, 0) || math.IsNaN(p) {
			return Threshold{}, fmt.Errorf("invalid percentage %q: want a number of at least 0 followed by %%, such as \"5%%\"", s)
		}
		return Threshold{Kind: Relative, Percent: p}, nil
	case m.IsBytes():
		n, err := bytesize.Parse(t)
		if err != nil {
			return Threshold{}, fmt.Errorf("%v; or a percentage such as \"5%%\", \"auto\" or \"off\"", err)
		}
		return Threshold{Kind: Absolute, Amount: n}, nil
	default:
		n, err := strconv.ParseUint(t, 10, 64)
		if err != nil {
			return Threshold{}, fmt.Errorf("invalid threshold %q: want a whole number of allocations such as \"0\" or \"10\", a percentage such as \"5%%\", \"auto\" or \"off\"", s)
		}
		return Threshold{Kind: Absolute, Amount: n}, nil
	}
}

// Resolve is the threshold that t applies to a benchmark: Auto becomes
// exact (an amount of 0) when the benchmark is deterministic, since one
// extra allocation in code that allocates the same on every run is a
// real change, and AutoNoisyPercent when its runs were seen to differ.
// Every other kind is what it says, whatever the noise.
func (t Threshold) Resolve(noisy bool) Threshold {
	if t.Kind != Auto {
		return t
	}
	if noisy {
		return Threshold{Kind: Relative, Percent: AutoNoisyPercent}
	}
	return Threshold{Kind: Absolute}
}

// Exceeded reports whether growing from base to head goes past t. Growth
// from zero exceeds every relative threshold: no percentage of nothing
// allows something. An unresolved Auto is exact: without evidence of
// noise, a benchmark is deterministic.
func (t Threshold) Exceeded(base, head float64) bool {
	switch t.Kind {
	case Relative:
		return head > base*(1+t.Percent/100)
	case Absolute:
		return head > base+float64(t.Amount)
	case Auto:
		return head > base
	}
	return false
}

// String renders t as it would be written.
func (t Threshold) String() string {
	switch t.Kind {
	case Relative:
		return strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"
	case Absolute:
		return strconv.FormatUint(t.Amount, 10)
	case Auto:
		return "auto"
	}
	return "off"
}

// Describe renders t for an explanation, in the metric's units.
func (t Threshold) Describe(m Metric) string {
	switch t.Kind {
	case Relative:
		return t.String() + " threshold"
	case Absolute:
		if m.IsBytes() && t.Amount >= 1024 {
			return fmt.Sprintf("%s (%d-byte) threshold", bytesize.Format(t.Amount), t.Amount)
		}
		if m.IsBytes() {
			return fmt.Sprintf("%d-byte threshold", t.Amount)
		}
		return fmt.Sprintf("%d-allocation threshold", t.Amount)
	case Auto:
		return "auto threshold"
	}
	return "threshold (off)"
}

// Set holds the threshold of every metric.
type Set map[Metric]Threshold

// Defaults are the thresholds used where neither codspeed.toml nor a flag
// sets one. Peak, total and count are Auto: a deterministic benchmark
// must allocate exactly as before, so that one extra allocation in
// 1,000 fails CI, while a benchmark whose repeats differ gets room for
// its noise and does not cry wolf. A new leak is never harmless.
func Defaults() Set {
	return Set{
		Peak:   {Kind: Auto},
		Total:  {Kind: Auto},
		Count:  {Kind: Auto},
		Leaked: {Kind: Absolute, Amount: 0},
	}
}

// Merge returns s with every threshold of over replacing its own.
func (s Set) Merge(over Set) Set {
	out := Set{}
	for m, t := range s {
		out[m] = t
	}
	for m, t := range over {
		out[m] = t
	}
	return out
}

// Lookup returns the metric named name.
func Lookup(name string) (Metric, bool) {
	for _, m := range Metrics {
		if string(m) == name {
			return m, true
		}
	}
	return "", false
}

// Names lists the metric names, for messages.
func Names() string {
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = string(m)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// ParseFlag reads a --threshold value: METRIC=THRESHOLD.
func ParseFlag(s string) (Metric, Threshold, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return "", Threshold{}, fmt.Errorf("invalid threshold %q: want METRIC=THRESHOLD, such as peak=5%%", s)
	}
	m, ok := Lookup(strings.TrimSpace(name))
	if !ok {
		return "", Threshold{}, fmt.Errorf("unknown metric %q in threshold %q; metrics are %s", name, s, Names())
	}
	t, err := Parse(m, value)
	if err != nil {
		return "", Threshold{}, fmt.Errorf("threshold %s: %w", m, err)
	}
	return m, t, nil
}
