package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/stats"
	"memtally.dev/runner/internal/threshold"
)

// FileName is the report inside a run's output directory, next to
// results.json.
const FileName = "report.html"

var (
	//go:embed uplot/uPlot.iife.min.js
	uplotJS string
	//go:embed uplot/uPlot.min.css
	uplotCSS string
	//go:embed uplot/LICENSE
	uplotLicense string
	//go:embed report.html.tmpl
	pageTemplate string
	//go:embed report.js
	reportJS string
)

var page = template.Must(template.New("report").Parse(pageTemplate))

// View is what the page shows. The page's script reads it as JSON.
type View struct {
	Title       string   `json:"title"`
	StartedAt   string   `json:"started_at"`
	Complete    bool     `json:"complete"`
	Repeat      int      `json:"repeat"`
	Runner      string   `json:"runner"`
	Environment []string `json:"environment"`
	Baseline    bool     `json:"baseline"`
	Verdict     []string `json:"verdict"`
	// Notes name the benchmarks whose gate allows noise, and why.
	Notes      []string    `json:"notes,omitempty"`
	Benchmarks []Benchmark `json:"benchmarks"`
	Failures   []string    `json:"failures"`
}

// Benchmark is one row of the table and its chart. Under --repeat the
// numbers are medians, and the chart shows the run whose peak is the
// median's.
type Benchmark struct {
	ID     string `json:"id"`
	Target string `json:"target"`
	URI    string `json:"uri"`
	Runs   int    `json:"runs"`
	Peak   Number `json:"peak"`
	Total  Number `json:"total"`
	Count  Number `json:"count"`
	Avg    Number `json:"avg"`
	Leaked Number `json:"leaked"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Noise labels a benchmark that ran several times: "deterministic",
	// or "noisy" with its widest spread (results.Group.NoiseText).
	Noise    string   `json:"noise,omitempty"`
	Noisy    bool     `json:"noisy,omitempty"`
	Change   string   `json:"change,omitempty"`
	Regress  bool     `json:"regress,omitempty"`
	Series   []Series `json:"series"`
	WindowNS uint64   `json:"window_ns"`
	// Warmup is the calls of the body before the measured one, as
	// results.Group.WarmupText says it; empty when no integration said.
	Warmup string `json:"warmup,omitempty"`
}

// Number is a sample of a metric, with its text.
type Number struct {
	Value float64 `json:"value"`
	Text  string  `json:"text"`
}

// Series is one line of a chart: bytes over nanoseconds since the window
// opened. Native is the malloc heap the probes measured; further series,
// such as the V8 heap that the JS integrations measure (js_heap), are drawn
// beside it, each on the same time axis, whenever a benchmark carries them.
type Series struct {
	Name   string      `json:"name"`
	Points [][2]uint64 `json:"points"`
	// Peak is the first point at the series' maximum, marked on the chart.
	Peak [2]uint64 `json:"peak"`
}

// FromRun builds the view of run; cmp, when not nil, adds the comparison
// with a baseline.
func FromRun(run *results.Run, cmp *compare.Result) View {
	v := header(run, cmp)
	for i, g := range results.Groups(run) {
		v.Benchmarks = append(v.Benchmarks, row(i, g, cmp))
	}
	return v
}

// header is the view of run without its benchmarks, which row builds one
// at a time.
func header(run *results.Run, cmp *compare.Result) View {
	v := View{
		Title:      "memtally report",
		StartedAt:  run.StartedAt.Format("2006-01-02 15:04:05 UTC"),
		Complete:   run.Complete,
		Repeat:     max(run.Repeat, 1),
		Runner:     run.Runner.Version,
		Baseline:   cmp != nil,
		Benchmarks: []Benchmark{},
		Failures:   []string{},
	}
	env := run.Environment
	v.Environment = append(v.Environment, fmt.Sprintf("%s/%s, kernel %s", env.OS, env.Arch, env.Kernel))
	if env.CPU.Model != "" {
		v.Environment = append(v.Environment, fmt.Sprintf("%s, %d logical CPUs", env.CPU.Model, env.CPU.LogicalCPUs))
	}
	for _, in := range env.Integrations {
		v.Environment = append(v.Environment, fmt.Sprintf("integration %s %s", in.Name, in.Version))
	}
	for _, a := range env.Allocators {
		v.Environment = append(v.Environment, fmt.Sprintf("allocator %s (%s)", a.Path, strings.Join(a.Families, ", ")))
	}
	for _, l := range env.Launch {
		v.Environment = append(v.Environment, launchText(l))
	}
	for _, t := range run.Targets {
		if t.Status != results.StatusOK {
			v.Failures = append(v.Failures, fmt.Sprintf("target %s %s: %s", t.Name, t.Status, t.Reason))
		}
	}
	if cmp != nil {
		for _, rd := range cmp.Regressions() {
			v.Verdict = append(v.Verdict, compare.Explain(rd))
		}
		for _, r := range cmp.Removed {
			v.Verdict = append(v.Verdict, fmt.Sprintf("removed since the baseline: %s (target %s)", r.URI, r.Target))
		}
		for _, row := range cmp.Rows {
			if row.Noisy {
				v.Notes = append(v.Notes, fmt.Sprintf("noisy: %s (target %s): %s", row.URI, row.Target, compare.NoiseText(row)))
			}
		}
	}
	return v
}

// row is the i-th benchmark of the view, group g.
func row(i int, g results.Group, cmp *compare.Result) Benchmark {
	status, reason := g.Status()
	b := Benchmark{
		ID: fmt.Sprintf("b%d", i), Target: g.Target, URI: g.URI, Runs: len(g.Runs),
		Peak:   size(g.Summary(threshold.Peak)),
		Total:  size(g.Summary(threshold.Total)),
		Count:  count(g.Summary(threshold.Count)),
		Avg:    size(g.AvgSummary()),
		Leaked: size(g.Summary(threshold.Leaked)),
		Status: status, Reason: reason,
		Warmup: g.WarmupText(),
		Noise:  g.NoiseText(), Noisy: g.Noisy(),
	}
	shown := representative(g)
	b.WindowNS = shown.StopNS - shown.StartNS
	b.Series = []Series{native(shown)}
	if shown.JSHeap != nil {
		b.Series = append(b.Series, jsHeap(shown))
	}
	if cmp != nil {
		b.Change, b.Regress = change(cmp, g)
	}
	return b
}

// representative is the window whose peak is closest to the median peak.
func representative(g results.Group) results.Benchmark {
	median := g.Summary(threshold.Peak).Median
	best := g.Runs[0]
	for _, b := range g.Runs[1:] {
		if abs(float64(b.PeakBytes)-median) < abs(float64(best.PeakBytes)-median) {
			best = b
		}
	}
	return best
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func native(b results.Benchmark) Series {
	s := Series{Name: "native heap (malloc)", Points: make([][2]uint64, 0, len(b.Timeline)+1)}
	for _, p := range b.Timeline {
		s.Points = append(s.Points, [2]uint64{p.TNS, p.LiveBytes})
	}
	// The timeline ends at the last event; extend it to the window's end
	// so that the chart spans the whole window.
	if end := b.StopNS - b.StartNS; b.StopNS > b.StartNS && (len(s.Points) == 0 || s.Points[len(s.Points)-1][0] < end) {
		last := uint64(0)
		if len(s.Points) > 0 {
			last = s.Points[len(s.Points)-1][1]
		}
		s.Points = append(s.Points, [2]uint64{end, last})
	}
	s.Peak = PeakOf(s.Points)
	return s
}

// jsHeap draws the V8 heap a JS integration reported, as bytes above its
// level when the window opened. The integration reads it at the start and
// the end of the run and records the peak without its time, so the line
// joins the two readings and the peak is marked at the end.
func jsHeap(b results.Benchmark) Series {
	end := uint64(0)
	if b.StopNS > b.StartNS {
		end = b.StopNS - b.StartNS
	}
	h := b.JSHeap
	return Series{
		Name:   "JS heap (V8), above its start",
		Points: [][2]uint64{{0, 0}, {end, uint64(max(h.DeltaBytes, 0))}},
		Peak:   [2]uint64{end, uint64(max(h.PeakDeltaBytes, 0))},
	}
}

// PeakOf returns the first point at the maximum.
func PeakOf(points [][2]uint64) [2]uint64 {
	var peak [2]uint64
	for _, p := range points {
		if p[1] > peak[1] {
			peak = p
		}
	}
	return peak
}

func change(cmp *compare.Result, g results.Group) (string, bool) {
	for _, rn := range cmp.Renamed {
		if rn.Target == g.Target && rn.To == g.URI {
			return "renamed from " + rn.From, false
		}
	}
	row, ok := cmp.Find(g.Target, g.URI)
	if !ok {
		return "new", false
	}
	var parts []string
	regress := false
	for _, d := range row.Diffs {
		if d.Delta() == 0 {
			continue
		}
		part := fmt.Sprintf("%s %s %s", d.Metric, compare.Marker(d), compare.FormatDelta(d))
		switch d.Verdict {
		case compare.Regression:
			part += " (over " + d.Threshold.String() + ")"
			if d.Threshold.Kind == threshold.Auto {
				part = fmt.Sprintf("%s %s %s (over its threshold, %s)", d.Metric, compare.Marker(d), compare.FormatDelta(d), compare.ThresholdText(d))
			}
			regress = true
		case compare.Noise:
			part += " (~ noise, " + compare.BaseSpread(d) + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "=", false
	}
	sort.Strings(parts)
	text := parts[0]
	for _, p := range parts[1:] {
		text += "; " + p
	}
	return text, regress
}

func size(s stats.Summary) Number {
	text := bytesize.FormatFloat(s.Median)
	if s.Spread() {
		text += " (" + bytesize.FormatRange(s.Min, s.Max) + ")"
	}
	return Number{Value: s.Median, Text: text}
}

func count(s stats.Summary) Number {
	text := fmt.Sprintf("%.0f", s.Median)
	if s.Spread() {
		text += fmt.Sprintf(" (%.0f–%.0f)", s.Min, s.Max)
	}
	return Number{Value: s.Median, Text: text}
}

// Render writes the page of v.
func Render(w io.Writer, v View) error {
	if v.Benchmarks == nil {
		// Encoded as null: nothing to stream.
		return render(w, v, 0, nil)
	}
	rows := v.Benchmarks
	v.Benchmarks = []Benchmark{}
	return render(w, v, len(rows), func(i int) Benchmark { return rows[i] })
}

// dataMark stands for the page's data when the template is executed; the
// data is then written in its place, so that the page of 100,000
// benchmarks, tens of megabytes, is never held whole in memory.
const dataMark = "MEMTALLY_REPORT_DATA"

// benchmarksEmpty is how json.Marshal encodes the empty benchmarks of the
// view's header. Inside a JSON string every quote is escaped, so the
// only place it can occur is the benchmarks field itself.
const benchmarksEmpty = `"benchmarks":[]`

// render writes the page of v, whose benchmarks are empty, with the n
// rows that row returns in their place: the data encodes as json.Marshal
// of the whole view would, one row at a time.
func render(w io.Writer, v View, n int, row func(int) Benchmark) error {
	var page bytes.Buffer
	if err := executePage(&page, v.Title); err != nil {
		return err
	}
	before, after, ok := bytes.Cut(page.Bytes(), []byte(dataMark))
	if !ok || bytes.Contains(after, []byte(dataMark)) {
		return errors.New("write report: the page template does not hold its data once")
	}
	head, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	// json.Marshal escapes <, > and &, and so does the encoder, so the
	// data cannot close its script element.
	headBefore, headAfter, ok := bytes.Cut(head, []byte(benchmarksEmpty))
	if n > 0 && !ok {
		return errors.New("write report: no benchmarks field in the data")
	}
	if n == 0 {
		headBefore, headAfter = head, nil
	}
	if _, err := w.Write(before); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if _, err := w.Write(headBefore); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if headAfter != nil {
		if _, err := io.WriteString(w, `"benchmarks":[`); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i := range n {
			buf.Reset()
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := enc.Encode(row(i)); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			// Encode ends each value with a newline, which
			// json.Marshal does not.
			buf.Truncate(buf.Len() - 1)
			if _, err := w.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
		}
		if _, err := io.WriteString(w, "]"); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		if _, err := w.Write(headAfter); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	if _, err := w.Write(after); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// executePage writes the page with dataMark where its data goes.
func executePage(w io.Writer, title string) error {
	err := page.Execute(w, map[string]any{
		"Title":        title,
		"Data":         template.JS(dataMark),
		"UplotJS":      template.JS(uplotJS),
		"UplotCSS":     template.CSS(uplotCSS),
		"UplotLicense": uplotLicense,
		"ReportJS":     template.JS(reportJS),
	})
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Write stores the report of run as dir/report.html, through a temporary
// file and a rename like results.json. Each benchmark's row is built as it
// is written, so that the view of the whole run is never held at once.
func Write(dir string, run *results.Run, cmp *compare.Result) error {
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	groups := results.Groups(run)
	err = render(w, header(run, cmp), len(groups), func(i int) Benchmark { return row(i, groups[i], cmp) })
	if err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write report: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, FileName)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
