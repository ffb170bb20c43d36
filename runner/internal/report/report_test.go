package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
	var set bytes.Buffer
	if err := Render(&set, FromRun(head, compare.Runs(base, head, threshold.Defaults().Merge(threshold.Set{threshold.Peak: {Kind: threshold.Relative, Percent: 5}})))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(set.String(), "peak ▲ +1.4 KiB (+30.8%) (over 5%)") {
		t.Error("report of peak = 5% lacks the threshold")
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
	for _, want := range []string{"uPlot", "const REPORT = {", "MIT License", "peak ▲ +1.4 KiB (+30.8%) (over its threshold, exact (auto))"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestRenderStreamsTheData checks that the page's data, which Render and
// Write encode one benchmark at a time, is json.Marshal of the whole
// view, and that Write writes what Render does.
func TestRenderStreamsTheData(t *testing.T) {
	base, head := resultstest.Sample(), resultstest.Sample()
	head.Benchmarks[0].PeakBytes = 6000
	head.Benchmarks[1].URI = "<script>&</script>"
	for _, cmp := range []*compare.Result{nil, compare.Runs(base, head, threshold.Defaults())} {
		v := FromRun(head, cmp)
		var buf bytes.Buffer
		if err := Render(&buf, v); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		_, data, _ := strings.Cut(buf.String(), "const REPORT = ")
		data, _, _ = strings.Cut(data, ";</script>")
		if data != string(want) {
			t.Errorf("data:\n%s\nwant:\n%s", data, want)
		}
		dir := t.TempDir()
		if err := Write(dir, head, cmp); err != nil {
			t.Fatal(err)
		}
		written, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(written, buf.Bytes()) {
			t.Error("Write and Render differ")
		}
	}
	for _, v := range []View{{}, {Benchmarks: []Benchmark{}}} {
		var buf bytes.Buffer
		if err := Render(&buf, v); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(v)
		if !strings.Contains(buf.String(), "const REPORT = "+string(want)+";") {
			t.Errorf("the page of %+v lacks its data %s", v, want)
		}
	}
}
