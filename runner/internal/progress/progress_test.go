package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func fakeClock(r *Reporter) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.runStart = t
	r.now = func() time.Time { t = t.Add(1500 * time.Millisecond); return t }
}

func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, nil, Normal)
	fakeClock(r)
	r.TargetStarted("parse", 1, 2, 1, 1, 0)
	r.BenchmarkStarted("a::b")
	r.BenchmarkFinished(4096, 5000, 3)
	r.TargetFinished("ok", 0, 3*time.Second)
	r.Close()
	want := "runner: [1/2] target parse\nrunner: [1/2] target parse ok: 1 benchmark in 3s\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestVerboseLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, nil, Verbose)
	fakeClock(r)
	r.TargetStarted("parse", 2, 2, 2, 3, 4)
	r.BenchmarkStarted("a::b")
	r.BenchmarkFinished(4096, 5000, 3)
	r.Close()
	for _, want := range []string{
		"runner: [run 2/3 2/2] target parse\n",
		"runner: [run 2/3 2/2] parse benchmark 1/4 a::b\n",
		"runner: [run 2/3 2/2] parse benchmark 1/4 a::b done in 1.5s: peak 4.0 KiB (4096), total 4.9 KiB (5000), 3 allocations\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestTerminalLine(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, &Terminal{}, Normal)
	fakeClock(r)
	r.TargetStarted("parse", 1, 1, 1, 1, 0)
	r.BenchmarkStarted("a::b")
	r.Close()
	out := buf.String()
	if !strings.Contains(out, "\r[1/1] parse benchmark 1 a::b  1.5s (total ") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("terminal output %q", out)
	}
}

func TestQuiet(t *testing.T) {
	var buf bytes.Buffer
	for _, term := range []*Terminal{nil, {}, {Rows: 24, Cols: 80}} {
		r := New(&buf, term, Quiet)
		r.TargetStarted("parse", 1, 1, 1, 1, 0)
		r.BenchmarkStarted("a::b")
		r.BenchmarkFinished(1, 1, 1)
		r.TargetFinished("ok", 0, time.Second)
		r.Close()
	}
	if buf.Len() != 0 {
		t.Errorf("quiet printed %q", buf.String())
	}
}

// TestIncompleteCounted: a target whose windows are incomplete says so on
// its line, though the target itself ran.
func TestIncompleteCounted(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, nil, Normal)
	fakeClock(r)
	r.TargetStarted("vitest", 1, 1, 1, 1, 0)
	for _, uri := range []string{"a", "b", "c"} {
		r.BenchmarkStarted(uri)
		r.BenchmarkFinished(1, 1, 1)
	}
	r.TargetFinished("ok", 2, time.Second)
	want := "runner: [1/1] target vitest\nrunner: [1/1] target vitest ok: 3 benchmarks, 2 INCOMPLETE in 1s\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestDiscarded(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, nil, Normal)
	fakeClock(r)
	r.TargetStarted("t", 1, 1, 1, 1, 0)
	r.BenchmarkStarted("t")
	r.BenchmarkDiscarded()
	r.BenchmarkStarted("")
	r.TargetFinished("ok", 0, time.Second)
	if !strings.Contains(buf.String(), "ok: 1 benchmark in 1s") {
		t.Errorf("got %q", buf.String())
	}
}

// TestPinnedLine: on a terminal of known size the status line lives on
// the last row, under a scroll region, and the region is undone at the end.
func TestPinnedLine(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, &Terminal{Rows: 24, Cols: 40}, Normal)
	fakeClock(r)
	r.TargetStarted("parse", 1, 1, 1, 1, 0)
	r.BenchmarkStarted("benches/parse.rs::json::a-long-name")
	r.TargetFinished("ok", 0, time.Second)
	r.Close()
	out := buf.String()
	for _, want := range []string{
		"\n\x1b7\x1b[1;23r\x1b8\x1b[1A",                                 // the region
		"\x1b7\x1b[24;1H\x1b[7m[1/1] parse benchmark 1 benches/parse.…", // cut to the width
		"runner: [1/1] target parse ok: 1 benchmark in 1s\n",            // a plain line above
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\x1b7\x1b[24;1H\x1b[K\x1b8\x1b7\x1b[1;24r\x1b8") {
		t.Errorf("the line and the region are not undone at the end:\n%q", out)
	}
}

// TestHostileNames checks that a target name and a URI holding escape
// sequences, carriage returns and newlines reach neither the plain lines
// nor the redrawn line raw: the only ESC bytes are the reporter's own.
func TestHostileNames(t *testing.T) {
	const target, uri = "t\x1b[2J", "a\rok\n\x1b]0;title\x07\x00"
	for _, term := range []*Terminal{nil, {}, {Rows: 24, Cols: 200}} {
		var buf bytes.Buffer
		r := New(&buf, term, Verbose)
		fakeClock(r)
		r.TargetStarted(target, 1, 1, 1, 1, 0)
		r.BenchmarkStarted(uri)
		r.mu.Lock()
		r.draw()
		r.mu.Unlock()
		r.BenchmarkFinished(1, 2, 3)
		r.TargetFinished("ok", 0, time.Second)
		r.Close()
		out := buf.String()
		if !strings.Contains(out, `t\x1b[2J benchmark 1 a\rok\n\x1b]0;title\x07\x00`) {
			t.Errorf("terminal %+v: escaped names missing from %q", term, out)
		}
		for _, raw := range []string{"\x1b[2J", "\x1b]", "\x07", "\x00", "a\r", "ok\n"} {
			if strings.Contains(out, raw) {
				t.Errorf("terminal %+v: raw %q in %q", term, raw, out)
			}
		}
	}
}
