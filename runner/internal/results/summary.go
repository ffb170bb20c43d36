package results

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"
)

// WriteSummary prints one row per benchmark, sorted by target and URI, then
// one line per target that did not end cleanly.
func WriteSummary(w io.Writer, run *Run) error {
	benchmarks := append([]Benchmark(nil), run.Benchmarks...)
	sort.SliceStable(benchmarks, func(i, j int) bool {
		if benchmarks[i].Target != benchmarks[j].Target {
			return benchmarks[i].Target < benchmarks[j].Target
		}
		return benchmarks[i].URI < benchmarks[j].URI
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tBENCHMARK\tPEAK\tTOTAL\tALLOCS\tLEAKED\tWINDOW\tSTATUS")
	for _, b := range benchmarks {
		status := b.Status
		if b.Reason != "" {
			status += " (" + b.Reason + ")"
		}
		window := "-"
		if b.StopNS >= b.StartNS && b.StopNS != 0 {
			window = formatDuration(time.Duration(b.StopNS - b.StartNS))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n",
			b.Target, b.URI, b.PeakBytes, b.TotalBytes, b.AllocCount, b.LeakedBytes, window, status)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	for _, t := range run.Targets {
		if t.Status == StatusOK {
			continue
		}
		if _, err := fmt.Fprintf(w, "target %s %s: %s\n", t.Name, t.Status, t.Reason); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	return nil
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
