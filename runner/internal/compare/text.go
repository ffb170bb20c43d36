package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/untrusted"
)

// Marker is the arrow of a change: ▲ for more memory, ▼ for less.
func Marker(d Diff) string {
	switch {
	case d.Delta() > 0:
		return "▲"
	case d.Delta() < 0:
		return "▼"
	}
	return "="
}

// WriteText prints the comparison for a terminal or a CI log: a table of
// every metric of every matched benchmark, the benchmarks found on one
// side only, and then the verdict, with one sentence per regression. It
// says "ok" only when every benchmark the two runs share was judged, and
// they share at least one.
func (r *Result) WriteText(w io.Writer) error {
	p := &printer{w: w}
	repeated := r.Base.Repeat > 1 || r.Head.Repeat > 1
	if repeated {
		p.printf("medians of %d base and %d head runs; a change over its threshold is a regression only beyond the base's min–max range widened by the threshold, else noise\n",
			max(r.Base.Repeat, 1), max(r.Head.Repeat, 1))
	}
	tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', 0)
	if len(r.Rows) > 0 {
		fmt.Fprintln(tw, "TARGET\tBENCHMARK\tMETRIC\tBASE\tHEAD\tCHANGE\tTHRESHOLD\tVERDICT")
	}
	for _, row := range r.Rows {
		for _, d := range row.Diffs {
			base, head := FormatValue(d.Metric, d.Base.Median), FormatValue(d.Metric, d.Head.Median)
			if d.Base.Spread() {
				base += " (" + rangeText(d.Metric, d.Base.Min, d.Base.Max) + ")"
			}
			if d.Head.Spread() {
				head += " (" + rangeText(d.Metric, d.Head.Min, d.Head.Max) + ")"
			}
			change := "="
			if d.Delta() != 0 {
				change = Marker(d) + " " + FormatDelta(d)
			}
			verdict := d.Verdict.String()
			if d.Verdict == Noise {
				verdict += " (" + BaseSpread(d) + ")"
			}
			if row.Incomplete != "" {
				verdict = "not judged (incomplete)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", untrusted.Terminal(row.Target), untrusted.Terminal(row.URI), d.Metric, base, head, change, ThresholdText(d), verdict)
		}
	}
	tw.Flush()
	for _, row := range r.Rows {
		if row.Noisy {
			p.line("noisy: %s (target %s): %s", row.URI, row.Target, NoiseText(row))
		}
	}
	for _, row := range r.NotJudged() {
		p.line("not judged: %s (target %s): %s", row.URI, row.Target, row.Incomplete)
	}
	for _, a := range r.Added {
		p.line("added: %s (target %s)", a.URI, a.Target)
	}
	for _, a := range r.Removed {
		p.line("removed: %s (target %s)", a.URI, a.Target)
	}
	for _, rn := range r.Renamed {
		p.line("renamed: %s → %s (target %s; same numbers)", rn.From, rn.To, rn.Target)
	}
	for _, e := range r.Environment {
		p.line("note: the environments differ: %s", e)
	}
	regressions := r.Regressions()
	notJudged := len(r.NotJudged())
	switch {
	case len(regressions) > 0:
		p.printf("FAIL: %s over thresholds:\n", Plural(len(regressions), "regression"))
		for _, rd := range regressions {
			p.line("  %s", Explain(rd))
		}
		if notJudged > 0 {
			p.printf("and %s not judged (incomplete, listed above)\n", Plural(notJudged, "benchmark"))
		}
	case len(r.Rows) == 0:
		p.printf("NOT JUDGED: the two runs share no benchmark, so nothing was compared\n")
	case notJudged > 0:
		p.printf("NOT JUDGED: %d of %s could not be judged (incomplete, listed above)", notJudged, Plural(len(r.Rows), "benchmark"))
		if judged := len(r.Rows) - notJudged; judged > 0 {
			p.printf("; the other %d within thresholds (%s)", judged, thresholdsText(r.Thresholds))
		}
		p.printf("\n")
	default:
		p.printf("ok: %s within thresholds (%s)\n", Plural(len(r.Rows), "benchmark"), thresholdsText(r.Thresholds))
	}
	if p.err != nil {
		return fmt.Errorf("write comparison: %w", p.err)
	}
	return nil
}

// Explain says in one sentence why a metric is a regression: over the
// threshold, and beyond the base's spread when the base's runs differed,
// or, for a deterministic benchmark under auto, any growth at all.
func Explain(rd RowDiff) string {
	d := rd.Diff
	what := map[threshold.Metric]string{
		threshold.Peak: "peak heap", threshold.Total: "bytes allocated",
		threshold.Count: "allocation count", threshold.Leaked: "leaked bytes",
	}[d.Metric]
	median := ""
	if d.Base.N > 1 || d.Head.N > 1 {
		median = "median "
	}
	why := "over the " + d.Applied.Describe(d.Metric)
	switch {
	case d.Threshold.Kind == threshold.Auto && !d.Noisy && d.Base.N < 2 && d.Head.N < 2:
		why = "over the auto threshold, exact for a benchmark that no repeats showed noisy"
	case d.Threshold.Kind == threshold.Auto && !d.Noisy:
		why = "over the auto threshold, exact for a deterministic benchmark (its repeats agree)"
	case d.Base.Spread():
		why = fmt.Sprintf("beyond the base's range %s (%s) and over the %s", rangeText(d.Metric, d.Base.Min, d.Base.Max), BaseSpread(d), d.Applied.Describe(d.Metric))
	}
	return fmt.Sprintf("%s (target %s): %s%s grew from %s to %s, %s, %s",
		rd.Row.URI, rd.Row.Target, median, what,
		FormatValue(d.Metric, d.Base.Median), FormatValue(d.Metric, d.Head.Median),
		FormatDelta(d), why)
}

// ThresholdText renders the threshold a metric was judged by: as set,
// and for auto what it demanded of this benchmark, "exact (auto)" or
// "5% (auto)".
func ThresholdText(d Diff) string {
	if d.Threshold.Kind != threshold.Auto {
		return d.Threshold.String()
	}
	if d.Applied.Kind == threshold.Absolute && d.Applied.Amount == 0 {
		return "exact (auto)"
	}
	return d.Applied.String() + " (auto)"
}

// BaseSpread renders the spread of the base's runs of a metric: "base
// spread 2.5%", or its range when its median is 0.
func BaseSpread(d Diff) string {
	if p, ok := d.Base.SpreadPercent(); ok {
		return "base spread " + stats.FormatPercent(p)
	}
	return "base range " + rangeText(d.Metric, d.Base.Min, d.Base.Max)
}

// NoiseText says which side of a noisy row showed noise, and how much:
// "base noisy (peak 2.5%) over 3 runs, head deterministic over 3 runs".
func NoiseText(row Row) string {
	var parts []string
	for _, side := range []struct {
		name, label string
		runs        int
	}{{"base", row.BaseNoise, row.BaseRuns}, {"head", row.HeadNoise, row.HeadRuns}} {
		switch {
		case side.label != "":
			parts = append(parts, fmt.Sprintf("%s %s over %d runs", side.name, side.label, side.runs))
		default:
			parts = append(parts, side.name+" ran once")
		}
	}
	return strings.Join(parts, ", ")
}

func rangeText(m threshold.Metric, lo, hi float64) string {
	if m.IsBytes() {
		return bytesize.FormatRange(lo, hi)
	}
	return FormatValue(m, lo) + "–" + FormatValue(m, hi)
}

func thresholdsText(set threshold.Set) string {
	parts := make([]string, 0, len(threshold.Metrics))
	for _, m := range threshold.Metrics {
		parts = append(parts, fmt.Sprintf("%s %s", m, set[m]))
	}
	return strings.Join(parts, ", ")
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.w.Write(b)
	p.err = err
	return n, err
}

func (p *printer) printf(format string, args ...any) { fmt.Fprintf(p, format, args...) }

// line prints one line whose arguments come from the results files, and
// so from the benchmarks: escaped, it cannot redraw the terminal or forge
// a line of the verdict.
func (p *printer) line(format string, args ...any) {
	p.printf("%s\n", untrusted.Terminal(fmt.Sprintf(format, args...)))
}

// Plural renders "1 regression", "2 regressions".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
