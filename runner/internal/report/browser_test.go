package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

// chromium finds Debian's chromium, which scripts/setup-browser installs.
// Its absence fails the test, so that a machine without a browser cannot
// pass by skipping; MEMTALLY_SKIP_BROWSER=1 says that is known.
func chromium(t *testing.T) string {
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("MEMTALLY_SKIP_BROWSER") == "1" {
		t.Skip("no chromium; skipped because MEMTALLY_SKIP_BROWSER=1")
	}
	t.Fatalf("chromium not found (%v); install it with scripts/setup-browser, or set MEMTALLY_SKIP_BROWSER=1 to skip", err)
	return ""
}

// TestReportInBrowser renders a report in headless chromium and checks what
// a person would see: every benchmark in the table, charts with the series
// and the peak drawn, a table that sorts, no console error, and no request
// beyond the file itself.
func TestReportInBrowser(t *testing.T) {
	exe := chromium(t)
	base, run := resultstest.Sample(), resultstest.Sample()
	run.Benchmarks[0].PeakBytes = 6000
	// Warmed up twice, a cold first call, and two windows that do not say.
	two, zero := uint32(2), uint32(0)
	run.Benchmarks[0].Warmup, run.Benchmarks[1].Warmup = &two, &zero
	view := FromRun(run, compare.Runs(base, run, threshold.Defaults()))
	// A second series, as a JS benchmark's V8 heap will be: drawn beside
	// the native one.
	js := Series{Name: "JS heap (V8)", Points: [][2]uint64{{0, 1000}, {300_000, 9000}, {800_000, 2000}}}
	js.Peak = PeakOf(js.Points)
	view.Benchmarks[0].Series = append(view.Benchmarks[0].Series, js)

	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	var page bytes.Buffer
	if err := Render(&page, view); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, browserOptions(exe, dir,
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 1600))...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	// Start the browser and the tab, then subscribe before the page loads,
	// so that no message or request of the page is missed.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	note := func(s string) {
		mu.Lock()
		problems = append(problems, s)
		mu.Unlock()
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if req, ok := ev.(*network.EventRequestWillBeSent); ok {
			if url := req.Request.URL; !strings.HasPrefix(url, "file://") && !strings.HasPrefix(url, "data:") {
				note("network request: " + url)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
				note("console " + m.String())
			}
		}
	}()

	do := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("decode %s: %v", v, err)
		}
	}
	do("open the report", chromedp.Navigate("file://"+path))
	do("wait for the charts", chromedp.WaitVisible("#charts canvas"))
	var uris, legends []string
	var pixels map[string]map[string]int
	eval(`[...document.querySelectorAll("#benchmarks tbody td.uri")].map(td => td.textContent)`, &uris)
	eval(`[...document.querySelectorAll(".u-legend .u-label")].map(e => e.textContent)`, &legends)
	eval(countColours, &pixels)
	var warmups, notes map[string]string
	eval(`Object.fromEntries([...document.querySelectorAll("#benchmarks tbody tr")].map(tr => [tr.querySelector("td.uri").textContent, tr.querySelector("td.warmup").textContent]))`, &warmups)
	eval(`Object.fromEntries([...document.querySelectorAll(".chart")].map(c => [c.id, c.querySelector(".note").textContent]))`, &notes)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	do("sort by peak", chromedp.Click(`#benchmarks th[data-key="peak"]`))
	var firstAfterSort string
	eval(`document.querySelector("#benchmarks tbody td.uri").textContent`, &firstAfterSort)
	stopConsole()
	<-consoleDone

	// The table lists every benchmark.
	for _, b := range view.Benchmarks {
		if !contains(uris, b.URI) {
			t.Errorf("table lacks %s; it lists %q", b.URI, uris)
		}
	}
	if len(uris) != len(view.Benchmarks) {
		t.Errorf("table has %d rows, want %d", len(uris), len(view.Benchmarks))
	}
	// The warm-up column says which call each window measured, and the
	// chart's note says it in words.
	wantWarmups := map[string]string{
		"benches/parse.rs::json::small": "2", "benches/parse.rs::json::large": "0",
		"benches/parse.rs::json::broken": "–", "cli": "–",
	}
	if !maps.Equal(warmups, wantWarmups) {
		t.Errorf("warm-up cells %q, want %q", warmups, wantWarmups)
	}
	for _, b := range view.Benchmarks {
		want := map[string]string{"2": " · after 2 warm-up calls", "0": " · cold first call"}[b.Warmup]
		if note := notes[b.ID]; !strings.HasSuffix(note, want) || (want == "" && strings.Contains(note, "warm")) {
			t.Errorf("chart note of %s is %q, want it to end in %q", b.URI, note, want)
		}
	}
	// Sorting by peak puts the smallest first.
	if firstAfterSort != "benches/parse.rs::json::broken" {
		t.Errorf("after sorting by peak the first row is %q", firstAfterSort)
	}
	// Every chart draws its native series and its peak marker, and the
	// chart with a second series draws that too.
	for _, b := range view.Benchmarks {
		got := pixels[b.ID]
		if got["native"] < 50 || got["peak"] < 20 {
			t.Errorf("chart of %s: %d native and %d peak pixels, want lines and a marker", b.URI, got["native"], got["peak"])
		}
	}
	if pixels[view.Benchmarks[0].ID]["second"] < 50 || !contains(legends, "JS heap (V8)") {
		t.Errorf("the second series is not drawn: %d pixels, legend %q", pixels[view.Benchmarks[0].ID]["second"], legends)
	}
	// The screenshot is not blank.
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if n := nonWhite(img); n < 10000 {
		t.Errorf("screenshot has %d non-white pixels", n)
	}
	if out := os.Getenv("MEMTALLY_REPORT_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}

// countColours counts, per chart, the canvas pixels of the first series'
// colour, of the second series' colour, and of the peak marker's.
const countColours = `(() => {
  const want = { native: [9, 105, 218], second: [130, 80, 223], peak: [207, 34, 46] };
  const out = {};
  for (const box of document.querySelectorAll(".chart")) {
    const canvas = box.querySelector("canvas");
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = { native: 0, second: 0, peak: 0 };
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 200) continue;
      for (const k in want) {
        const c = want[k];
        if (Math.abs(data[i] - c[0]) < 12 && Math.abs(data[i + 1] - c[1]) < 12 && Math.abs(data[i + 2] - c[2]) < 12) counts[k]++;
      }
    }
    out[box.id] = counts;
  }
  return out;
})()`

// browserOptions starts chromium headless with its profile, and the
// directories it makes in TMPDIR, inside dir, a test's own temporary
// directory, so that nothing of it is left behind.
func browserOptions(exe, dir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	return append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Env("TMPDIR=" + dir),
	}, extra...)
}

func nonWhite(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
