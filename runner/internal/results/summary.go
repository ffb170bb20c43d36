package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

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
// disagree. Reasons of incomplete benchmarks and failed targets follow the
// table, where a long reason does not stretch every row. Names and reasons
// come from the benchmarks, so they are escaped for the terminal before
// the table measures any width.
func WriteSummary(w io.Writer, run *Run, opts SummaryOptions) error {
	groups := Groups(run)
	p := &errWriter{w: w}
	if run.Repeat > 1 {
		p.printf("median of %d runs; (min–max) where the runs differ\n", run.Repeat)
	}
	tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tBENCHMARK\tPEAK\tTOTAL\tALLOCS\tAVG SIZE\tLEAKED\tSTATUS")
	var notes []string
	for _, g := range groups {
		status, reason := g.Status()
		if reason != "" {
			notes = append(notes, untrusted.Terminal(fmt.Sprintf("[%d] %s %s: %s: %s", len(notes)+1, g.Target, g.URI, status, reason)))
			status = fmt.Sprintf("%s [%d]", status, len(notes))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			untrusted.Terminal(g.Target), untrusted.Terminal(g.URI),
			sizeCell(g.Summary(threshold.Peak), opts.Exact),
			sizeCell(g.Summary(threshold.Total), opts.Exact),
			countCell(g.Summary(threshold.Count)),
			sizeCell(g.AvgSummary(), opts.Exact),
			sizeCell(g.Summary(threshold.Leaked), opts.Exact),
			status)
	}
	tw.Flush()
	for _, n := range notes {
		p.printf("%s\n", n)
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
