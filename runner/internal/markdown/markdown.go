package markdown

import (
	"fmt"
	"io"
	"math"
	"strings"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/untrusted"
)

// Write prints run as Markdown. cmp, when not nil, is the run compared
// with a baseline, and adds the change column and the verdict.
func Write(w io.Writer, run *results.Run, cmp *compare.Result) error {
	p := &printer{w: w}
	p.printf("## memtally: memory per benchmark\n\n")
	repeated := run.Repeat > 1
	if repeated {
		p.printf("Each number is the median of %d runs, with the min–max range where the runs differ; Noise says whether a benchmark's runs agreed (deterministic) or not (noisy, with its widest spread, max−min over the median).\n\n", run.Repeat)
	}
	if !run.Complete {
		p.printf("> [!WARNING]\n> The run did not complete; these are the results so far.\n\n")
	}
	groups := results.Groups(run)
	var notes []string
	for i := 0; i < len(groups); {
		target := groups[i].Target
		p.printf("### Target %s\n\n", code(target))
		p.printf("| Benchmark | Peak | Total | Allocations | Avg size | Leaked |")
		if repeated {
			p.printf(" Noise |")
		}
		p.printf(" Status |")
		if cmp != nil {
			p.printf(" vs baseline |")
		}
		p.printf("\n|---|---:|---:|---:|---:|---:|")
		if repeated {
			p.printf("---|")
		}
		p.printf("---|")
		if cmp != nil {
			p.printf("---|")
		}
		p.printf("\n")
		for ; i < len(groups) && groups[i].Target == target; i++ {
			g := groups[i]
			status, reason := g.Status()
			if reason != "" {
				notes = append(notes, fmt.Sprintf("%s %s: %s", status, code(g.URI), untrusted.Markdown(reason)))
				status = fmt.Sprintf("⚠️ %s [%d]", status, len(notes))
			}
			p.printf("| %s | %s | %s | %s | %s | %s |",
				code(g.URI),
				size(g.Summary(threshold.Peak)), size(g.Summary(threshold.Total)),
				count(g.Summary(threshold.Count)), size(g.AvgSummary()),
				size(g.Summary(threshold.Leaked)))
			if repeated {
				p.printf(" %s |", g.NoiseText())
			}
			p.printf(" %s |", status)
			if cmp != nil {
				p.printf(" %s |", changes(cmp, g))
			}
			p.printf("\n")
		}
		p.printf("\n")
	}
	for i, n := range notes {
		p.printf("%d. %s\n", i+1, n)
	}
	if len(notes) > 0 {
		p.printf("\n")
	}
	failed := false
	for _, t := range run.Targets {
		if t.Status != results.StatusOK {
			p.printf("- target %s %s: %s\n", code(t.Name), t.Status, untrusted.Markdown(t.Reason))
			failed = true
		}
	}
	if failed && cmp != nil {
		p.printf("\n")
	}
	if cmp != nil {
		verdict(p, cmp)
	}
	if p.err != nil {
		return fmt.Errorf("write markdown: %w", p.err)
	}
	return nil
}

func changes(cmp *compare.Result, g results.Group) string {
	for _, rn := range cmp.Renamed {
		if rn.Target == g.Target && rn.To == g.URI {
			return "renamed from " + code(rn.From)
		}
	}
	row, ok := cmp.Find(g.Target, g.URI)
	if !ok {
		return "new"
	}
	var parts []string
	for _, d := range row.Diffs {
		if d.Delta() == 0 {
			continue
		}
		part := fmt.Sprintf("%s %s %s", d.Metric, compare.Marker(d), change(d))
		switch d.Verdict {
		case compare.Regression:
			part = "**" + part + "** ❌"
		case compare.Noise:
			part += " (~ noise, " + compare.BaseSpread(d) + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "="
	}
	return strings.Join(parts, "<br>")
}

func change(d compare.Diff) string {
	if p := d.Percent(); !math.IsNaN(p) {
		return fmt.Sprintf("%+.1f%%", p)
	}
	return "+" + compare.FormatValue(d.Metric, d.Delta())
}

func verdict(p *printer, cmp *compare.Result) {
	for _, r := range cmp.Removed {
		p.printf("- removed: %s (target %s)\n", code(r.URI), code(r.Target))
	}
	for _, e := range cmp.Environment {
		p.printf("- note: the environments differ: %s\n", untrusted.Markdown(e))
	}
	noisy := 0
	for _, row := range cmp.Rows {
		if row.Noisy {
			noisy++
			p.printf("- noisy: %s (target %s): %s\n", code(row.URI), code(row.Target), compare.NoiseText(row))
		}
	}
	// A list just printed needs a blank line before the paragraph.
	gap := ""
	if len(cmp.Removed)+len(cmp.Environment)+noisy > 0 {
		gap = "\n"
	}
	regressions := cmp.Regressions()
	notJudged := cmp.NotJudged()
	switch {
	case len(regressions) > 0:
		p.printf("%s**%s** against the baseline:\n\n", gap, compare.Plural(len(regressions), "regression"))
		for _, rd := range regressions {
			p.printf("- %s\n", untrusted.Markdown(compare.Explain(rd)))
		}
		gap = "\n"
	case len(cmp.Rows) == 0:
		p.printf("%s**Not judged:** the run and the baseline share no benchmark, so nothing was compared.\n", gap)
		return
	case len(notJudged) == 0:
		p.printf("%s**No regression** against the baseline.\n", gap)
		return
	}
	if len(notJudged) == 0 {
		return
	}
	p.printf("%s**Not judged:** %d of %s incomplete in the run or the baseline:\n\n", gap, len(notJudged), compare.Plural(len(cmp.Rows), "benchmark"))
	for _, row := range notJudged {
		p.printf("- %s (target %s): %s\n", code(row.URI), code(row.Target), untrusted.Markdown(row.Incomplete))
	}
}

func size(s stats.Summary) string {
	cell := bytesize.FormatFloat(s.Median)
	if s.Spread() {
		cell += " (" + bytesize.FormatRange(s.Min, s.Max) + ")"
	}
	return cell
}

func count(s stats.Summary) string {
	cell := fmt.Sprintf("%.0f", s.Median)
	if s.Spread() {
		cell += fmt.Sprintf(" (%.0f–%.0f)", s.Min, s.Max)
	}
	return cell
}

// code shows text from a results file, and so from a benchmark, in a
// monospace font. A code span would show backslash escapes literally, so
// the text goes between HTML code tags, where Markdown escapes work and
// keep it from ending a cell, adding a row or holding HTML.
func code(s string) string { return "<code>" + untrusted.Markdown(s) + "</code>" }

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
