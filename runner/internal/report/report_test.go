package report

import (
	"bytes"
	"strings"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

func TestFromRun(t *testing.T) {
	run := resultstest.Sample()
	v := FromRun(run, nil)
	if len(v.Benchmarks) != 4 {
		t.Fatalf("%d benchmarks", len(v.Benchmarks))
	}
	// Sorted by target, then URI.
	if b := v.Benchmarks[0]; b.Target != "cli" || b.URI != "cli" {
		t.Errorf("first row %s %s", b.Target, b.URI)
	}
	small := v.Benchmarks[3]
	if small.URI != "benches/parse.rs::json::small" || small.Leaked.Value != 4096 || small.Peak.Text != "4.5 KiB" {
		t.Errorf("small = %+v", small)
	}
	s := small.Series[0]
	if s.Peak != [2]uint64{500_000, 4586} {
		t.Errorf("peak marker %v", s.Peak)
	}
	if last := s.Points[len(s.Points)-1]; last != [2]uint64{1_000_000, 4096} {
		t.Errorf("series does not reach the window's end: %v", last)
	}
}

func TestRenderIsSelfContained(t *testing.T) {
	base, head := resultstest.Sample(), resultstest.Sample()
	head.Benchmarks[0].PeakBytes = 6000
	var buf bytes.Buffer
	if err := Render(&buf, FromRun(head, compare.Runs(base, head, threshold.Defaults()))); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	// Nothing may load from elsewhere: no external script or stylesheet.
	// The only address in the page is uPlot's home page in its banner
	// comment, which the browser test proves is never fetched.
	for _, bad := range []string{"<script src", "<link ", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	for _, want := range []string{"uPlot", "const REPORT = {", "MIT License", "peak ▲ +1.4 KiB (+30.8%) (over 5%)"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
