package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/untrusted"
)

// SummaryOptions says how the end-of-run table looks.
type SummaryOptions struct {
	// Exact adds the exact byte count beside each human-readable size.
	Exact bool
}

// WriteSummary prints one row per benchmark, sorted by target and URI:
// peak, total, allocations, average size, leaked, and status. Sizes are in
// binary units, with exact bytes under opts.Exact. Under --repeat a cell is
// the median of the runs, followed by their min–max range when they
// disagree, and a NOISE column says which benchmarks are deterministic
// and which noisy, with their widest spread. Reasons of incomplete benchmarks and failed targets follow the
// table, where a long reason does not stretch every row. Names and reasons
// come from the benchmarks, so they are escaped for the terminal before
// the table measures any width.
func WriteSummary(w io.Writer, run *Run, opts SummaryOptions) error {
	groups := Groups(run)
	p := &errWriter{w: w}
	repeated := run.Repeat > 1
	if repeated {
		p.printf("median of %d runs; (min–max) where the runs differ\n", run.Repeat)
	}
	// rows calls f with the cells of the header, then of each group's
	// row, in order. It is called twice: once to measure the columns,
	// once to print them.
	// Verbose tables say which call each window measured, when an
	// integration said.
	warmup := opts.Exact && anyWarmup(run)
	rows := func(f func(cells []string)) {
		header := []string{"TARGET", "BENCHMARK", "PEAK", "TOTAL", "ALLOCS", "AVG SIZE", "LEAKED"}
		if warmup {
			header = append(header, "WARMUP")
		}
		if repeated {
			header = append(header, "NOISE")
		}
		f(append(header, "STATUS"))
		cells := make([]string, len(header)+1)
		notes := 0
		for _, g := range groups {
			status, reason := g.Status()
			if reason != "" {
				notes++
				status = fmt.Sprintf("%s [%d]", status, notes)
			}
			cells[0], cells[1] = untrusted.Terminal(g.Target), untrusted.Terminal(g.URI)
			cells[2] = sizeCell(g.Summary(threshold.Peak), opts.Exact)
			cells[3] = sizeCell(g.Summary(threshold.Total), opts.Exact)
			cells[4] = countCell(g.Summary(threshold.Count))
			cells[5] = sizeCell(g.AvgSummary(), opts.Exact)
			cells[6] = sizeCell(g.Summary(threshold.Leaked), opts.Exact)
			next := 7
			if warmup {
				text := g.WarmupText()
				if text == "" {
					text = "-"
				}
				cells[next] = text
				next++
			}
			if repeated {
				cells[next] = g.NoiseText()
			}
			cells[len(cells)-1] = status
			f(cells)
		}
	}
	writeTable(p, rows)
	n := 0
	for _, g := range groups {
		if status, reason := g.Status(); reason != "" {
			n++
			p.printf("%s\n", untrusted.Terminal(fmt.Sprintf("[%d] %s %s: %s: %s", n, g.Target, g.URI, status, reason)))
		}
	}
	for _, t := range run.Targets {
		if t.Status == StatusOK {
			continue
		}
		p.printf("%s\n", untrusted.Terminal(fmt.Sprintf("target %s %s: %s", t.Name, t.Status, t.Reason)))
	}
	if p.err != nil {
		return fmt.Errorf("write summary: %w", p.err)
	}
	return nil
}

// sizeCell renders a byte sample for a table: "4.5 KiB", "4.5 KiB (4586)"
// with exact, and the min–max range when runs differ.
func sizeCell(s stats.Summary, exact bool) string {
	human := bytesize.FormatFloat(s.Median)
	switch {
	case exact && s.Spread():
		return fmt.Sprintf("%s (%s; %s–%s)", human, trimFloat(s.Median), trimFloat(s.Min), trimFloat(s.Max))
	case s.Spread():
		return fmt.Sprintf("%s (%s)", human, bytesize.FormatRange(s.Min, s.Max))
	case exact && s.Median >= 1024:
		return fmt.Sprintf("%s (%s)", human, trimFloat(s.Median))
	}
	return human
}

func countCell(s stats.Summary) string {
	cell := trimFloat(s.Median)
	if s.Spread() {
		cell += fmt.Sprintf(" (%s–%s)", trimFloat(s.Min), trimFloat(s.Max))
	}
	return cell
}

// trimFloat prints whole numbers without decimals, and others with up to
// two.
func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// SummaryRow is one benchmark of the summary in --format json, with exact
// numbers. Under --repeat the numbers are medians and Range holds each
// metric's [min, max].
type SummaryRow struct {
	Target        string                `json:"target"`
	URI           string                `json:"uri"`
	Runs          int                   `json:"runs"`
	PeakBytes     float64               `json:"peak_bytes"`
	TotalBytes    float64               `json:"total_bytes"`
	AllocCount    float64               `json:"alloc_count"`
	AvgAllocBytes float64               `json:"avg_alloc_bytes"`
	LeakedBytes   float64               `json:"leaked_bytes"`
	Status        string                `json:"status"`
	Reason        string                `json:"reason,omitempty"`
	Range         map[string][2]float64 `json:"range,omitempty"`
	// Noisy is set when the benchmark ran several times: whether its
	// runs disagreed.
	Noisy *bool `json:"noisy,omitempty"`
}

// WriteSummaryJSON prints the summary as a JSON array of SummaryRow, for
// scripts that want the exact numbers without reading results.json.
func WriteSummaryJSON(w io.Writer, run *Run) error {
	rows := []SummaryRow{}
	for _, g := range Groups(run) {
		status, reason := g.Status()
		peak, total, count, avg, leaked := g.Summary(threshold.Peak), g.Summary(threshold.Total), g.Summary(threshold.Count), g.AvgSummary(), g.Summary(threshold.Leaked)
		row := SummaryRow{
			Target: g.Target, URI: g.URI, Runs: len(g.Runs),
			PeakBytes: peak.Median, TotalBytes: total.Median, AllocCount: count.Median,
			AvgAllocBytes: avg.Median, LeakedBytes: leaked.Median,
			Status: status, Reason: reason,
		}
		if len(g.Runs) > 1 {
			row.Range = map[string][2]float64{
				"peak_bytes": {peak.Min, peak.Max}, "total_bytes": {total.Min, total.Max},
				"alloc_count": {count.Min, count.Max}, "avg_alloc_bytes": {avg.Min, avg.Max},
				"leaked_bytes": {leaked.Min, leaked.Max},
			}
			noisy := g.Noisy()
			row.Noisy = &noisy
		}
		rows = append(rows, row)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// writeTable prints the rows that rows passes, aligned as a
// tabwriter.Writer with padding 2 and spaces would align them, every cell
// but the last padded to its column's widest cell, in runes, plus two. A
// tabwriter holds the whole table until it is flushed, over 90 MB for a
// run of 100,000 benchmarks; measuring the columns first, then printing
// each row as it comes, holds a row at a time. Cells holding a character
// that a tabwriter interprets (tabs, line and form feeds, its escape
// byte) go through one, so that the output stays the same.
func writeTable(w *errWriter, rows func(f func(cells []string))) {
	var widths []int
	plain := true
	rows(func(cells []string) {
		for len(widths) < len(cells)-1 {
			widths = append(widths, 0)
		}
		for i, c := range cells {
			if strings.ContainsAny(c, "\t\v\n\f\xff") {
				plain = false
			}
			if i < len(cells)-1 {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	})
	if !plain {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		rows(func(cells []string) {
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		})
		tw.Flush()
		return
	}
	var line []byte
	rows(func(cells []string) {
		line = line[:0]
		for i, c := range cells {
			line = append(line, c...)
			if i < len(cells)-1 {
				for pad := widths[i] + 2 - utf8.RuneCountInString(c); pad > 0; pad-- {
					line = append(line, ' ')
				}
			}
		}
		line = append(line, '\n')
		w.Write(line) // w keeps the first error
	})
}

// errWriter keeps the first write error, so that printing code need not
// check each line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
