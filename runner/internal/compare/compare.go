package compare

import (
	"fmt"
	"math"
	"sort"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
)

// Verdict is what a comparison concludes about one metric.
type Verdict int

const (
	// Same: the medians are equal.
	Same Verdict = iota
	// Better: the head uses less.
	Better
	// Within: the head uses more, within the threshold.
	Within
	// Noise: the head's median is over the threshold from the base's
	// median, but within the base's min–max range widened by the
	// threshold: the base's own repeats spread that far.
	Noise
	// Regression: over the threshold, and beyond the base's spread.
	Regression
)

func (v Verdict) String() string {
	switch v {
	case Better:
		return "better"
	case Within:
		return "within threshold"
	case Noise:
		return "~ noise"
	case Regression:
		return "REGRESSION"
	}
	return "same"
}

// Diff is one metric of one benchmark on both sides.
type Diff struct {
	Metric threshold.Metric
	Base   stats.Summary
	Head   stats.Summary
	// Threshold is the metric's threshold as set, which may be Auto;
	// Applied is what it demands of this benchmark (Threshold.Resolve).
	Threshold threshold.Threshold
	Applied   threshold.Threshold
	// Noisy says that the benchmark's runs differed on either side.
	Noisy   bool
	Verdict Verdict
}

// Delta is the change of the median.
func (d Diff) Delta() float64 { return d.Head.Median - d.Base.Median }

// Percent is the change relative to the base, NaN when the base is 0.
func (d Diff) Percent() float64 {
	if d.Base.Median == 0 {
		return math.NaN()
	}
	return 100 * d.Delta() / d.Base.Median
}

// Row is a benchmark present on both sides.
type Row struct {
	Target string
	URI    string
	// Incomplete says why the row's numbers were not judged: a window of
	// either side is incomplete, so its numbers undercount.
	Incomplete string
	// Noisy says that the benchmark's runs differed on either side, and
	// BaseNoise and HeadNoise label each side as results.Group.NoiseText
	// does ("" for a side that ran once).
	Noisy                bool
	BaseNoise, HeadNoise string
	BaseRuns, HeadRuns   int
	Diffs                []Diff
}

// Rename pairs a benchmark that disappeared with a new one of the same
// target and the same numbers.
type Rename struct {
	Target   string
	From, To string
}

// Ref names a benchmark that exists on one side only.
type Ref struct {
	Target string
	URI    string
}

// Result is a comparison of two runs.
type Result struct {
	Base, Head  *results.Run
	Thresholds  threshold.Set
	Rows        []Row
	Added       []Ref
	Removed     []Ref
	Renamed     []Rename
	Environment []string // how the environments differ
}

// Regressions lists every metric judged a regression, in row order.
func (r *Result) Regressions() []RowDiff {
	var out []RowDiff
	for _, row := range r.Rows {
		for _, d := range row.Diffs {
			if d.Verdict == Regression {
				out = append(out, RowDiff{Row: row, Diff: d})
			}
		}
	}
	return out
}

// RowDiff is one metric of one row.
type RowDiff struct {
	Row  Row
	Diff Diff
}

// Regressed reports whether any metric went over its threshold.
func (r *Result) Regressed() bool { return len(r.Regressions()) > 0 }

// NotJudged lists the rows whose numbers were not judged, because a window
// of either side is incomplete.
func (r *Result) NotJudged() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Incomplete != "" {
			out = append(out, row)
		}
	}
	return out
}

// Conclusive reports whether the comparison judged every benchmark the two
// runs share, and they share at least one. A comparison that is not
// conclusive cannot pass as "ok": it proved nothing about what it skipped.
func (r *Result) Conclusive() bool { return len(r.Rows) > 0 && len(r.NotJudged()) == 0 }

// Find returns the row of a head benchmark, if it was compared.
func (r *Result) Find(target, uri string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Target == target && row.URI == uri {
			return row, true
		}
	}
	return Row{}, false
}

// Runs compares head with base. th must hold a threshold for every metric.
func Runs(base, head *results.Run, th threshold.Set) *Result {
	res := &Result{Base: base, Head: head, Thresholds: th}
	baseGroups, headGroups := results.Groups(base), results.Groups(head)
	dup := duplicatedURIs(baseGroups, headGroups)
	key := func(g results.Group) string {
		if dup[g.URI] {
			return g.Target + "\x00" + g.URI
		}
		return g.URI
	}
	baseByKey := map[string]results.Group{}
	for _, g := range baseGroups {
		baseByKey[key(g)] = g
	}
	matched := map[string]bool{}
	var added []results.Group
	for _, h := range headGroups {
		b, ok := baseByKey[key(h)]
		if !ok {
			added = append(added, h)
			continue
		}
		matched[key(h)] = true
		res.Rows = append(res.Rows, row(b, h, th))
	}
	var removed []results.Group
	for _, b := range baseGroups {
		if !matched[key(b)] {
			removed = append(removed, b)
		}
	}
	res.Renamed, added, removed = renames(added, removed)
	for _, g := range added {
		res.Added = append(res.Added, Ref{Target: g.Target, URI: g.URI})
	}
	for _, g := range removed {
		res.Removed = append(res.Removed, Ref{Target: g.Target, URI: g.URI})
	}
	res.Environment = environmentChanges(base.Environment, head.Environment)
	return res
}

func duplicatedURIs(sides ...[]results.Group) map[string]bool {
	dup := map[string]bool{}
	for _, groups := range sides {
		seen := map[string]bool{}
		for _, g := range groups {
			if seen[g.URI] {
				dup[g.URI] = true
			}
			seen[g.URI] = true
		}
	}
	return dup
}

// row judges one benchmark. A benchmark is deterministic unless the
// repeats of either side differed: a side that ran once shows no noise.
// Each metric's threshold is resolved for it (Auto is exact when it is
// deterministic), and a change past the threshold is a regression only
// when the head's median is also past the base's max widened by the same
// threshold; inside that band it is noise.
func row(base, head results.Group, th threshold.Set) Row {
	r := Row{
		Target: head.Target, URI: head.URI,
		Noisy:     base.Noisy() || head.Noisy(),
		BaseNoise: base.NoiseText(), HeadNoise: head.NoiseText(),
		BaseRuns: len(base.Runs), HeadRuns: len(head.Runs),
	}
	if status, reason := head.Status(); status != results.StatusOK {
		r.Incomplete = "head " + status + ": " + reason
	} else if status, reason := base.Status(); status != results.StatusOK {
		r.Incomplete = "base " + status + ": " + reason
	}
	for _, m := range threshold.Metrics {
		d := Diff{Metric: m, Base: base.Summary(m), Head: head.Summary(m), Threshold: th[m], Applied: th[m].Resolve(r.Noisy), Noisy: r.Noisy}
		d.Verdict = judge(d)
		if r.Incomplete != "" && d.Verdict >= Noise {
			// Numbers that undercount cannot convict; the row says why.
			d.Verdict = Within
		}
		r.Diffs = append(r.Diffs, d)
	}
	return r
}

func judge(d Diff) Verdict {
	switch {
	case d.Head.Median == d.Base.Median:
		return Same
	case d.Head.Median < d.Base.Median:
		return Better
	case !d.Applied.Exceeded(d.Base.Median, d.Head.Median):
		return Within
	case !d.Applied.Exceeded(d.Base.Max, d.Head.Median):
		return Noise
	}
	return Regression
}

// renames pairs removed and added benchmarks of one target whose numbers
// are all equal, when exactly one candidate matches on each side: a
// benchmark that only changed its name allocates as before.
func renames(added, removed []results.Group) ([]Rename, []results.Group, []results.Group) {
	fingerprint := func(g results.Group) string {
		s := g.Target
		for _, m := range threshold.Metrics {
			s += fmt.Sprintf("\x00%g", g.Summary(m).Median)
		}
		return s
	}
	count := map[string][2]int{}
	for _, g := range added {
		c := count[fingerprint(g)]
		c[0]++
		count[fingerprint(g)] = c
	}
	for _, g := range removed {
		c := count[fingerprint(g)]
		c[1]++
		count[fingerprint(g)] = c
	}
	var out []Rename
	var keptAdded, keptRemoved []results.Group
	from := map[string]results.Group{}
	for _, g := range removed {
		if count[fingerprint(g)] == [2]int{1, 1} {
			from[fingerprint(g)] = g
		} else {
			keptRemoved = append(keptRemoved, g)
		}
	}
	for _, g := range added {
		if old, ok := from[fingerprint(g)]; ok {
			out = append(out, Rename{Target: g.Target, From: old.URI, To: g.URI})
		} else {
			keptAdded = append(keptAdded, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return results.NaturalCompare(out[i].Target, out[i].To, out[j].Target, out[j].To) < 0
	})
	return out, keptAdded, keptRemoved
}

func environmentChanges(base, head results.Environment) []string {
	var out []string
	diff := func(what, a, b string) {
		// A file from before a field existed leaves it empty: unknown
		// is not a difference.
		if a != b && a != "" && b != "" && a != "[]" && b != "[]" {
			out = append(out, fmt.Sprintf("%s %q → %q", what, a, b))
		}
	}
	diff("kernel", base.Kernel, head.Kernel)
	diff("CPU", base.CPU.Model, head.CPU.Model)
	diff("arch", base.Arch, head.Arch)
	versions := func(list []results.IntegrationVersion) map[string]string {
		m := map[string]string{}
		for _, iv := range list {
			m[iv.Name] = iv.Version
		}
		return m
	}
	bi, hi := versions(base.Integrations), versions(head.Integrations)
	names := make([]string, 0, len(hi))
	for name := range hi {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v, ok := bi[name]; ok {
			diff("integration "+name, v, hi[name])
		}
	}
	families := func(list []results.AttachedAllocator) string {
		set := map[string]bool{}
		for _, a := range list {
			for _, f := range a.Families {
				set[f] = true
			}
		}
		var fs []string
		for f := range set {
			fs = append(fs, f)
		}
		sort.Strings(fs)
		return fmt.Sprint(fs)
	}
	diff("allocator families", families(base.Allocators), families(head.Allocators))
	out = append(out, launchChanges(base.Launch, head.Launch)...)
	return out
}

// FormatValue renders a metric's value in its unit.
func FormatValue(m threshold.Metric, v float64) string {
	if m.IsBytes() {
		return bytesize.FormatFloat(v)
	}
	return trim(v)
}

// FormatDelta renders the change of d with a sign: "+410 B (+10.0%)".
func FormatDelta(d Diff) string {
	delta := d.Delta()
	sign := "+"
	if delta < 0 {
		sign = "-"
	}
	s := sign + FormatValue(d.Metric, math.Abs(delta))
	if p := d.Percent(); !math.IsNaN(p) {
		s += fmt.Sprintf(" (%+.1f%%)", p)
	}
	return s
}

func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
