package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

// TestReportNoiseInBrowser checks what a repeated run shows a person: a
// Noise column with each benchmark deterministic or noisy with its
// spread, the noisy one named in a banner, and a change within the
// base's spread shown as noise; a single run has no Noise column.
func TestReportNoiseInBrowser(t *testing.T) {
	exe := chromium(t)
	head := resultstest.Repeated()
	for i := range head.Benchmarks {
		if head.Benchmarks[i].URI == "pool::spawn" {
			head.Benchmarks[i].PeakBytes = 4400
		}
	}
	dir := t.TempDir()
	write := func(name string, run *results.Run, cmp *compare.Result) string {
		t.Helper()
		var page bytes.Buffer
		if err := Render(&page, FromRun(run, cmp)); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	repeated := write("repeated.html", head, compare.Runs(resultstest.Repeated(), head, threshold.Defaults()))
	single := write("single.html", resultstest.Sample(), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, browserOptions(exe, dir)...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
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
	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible("#benchmarks tbody td.uri")); err != nil {
			t.Fatal(err)
		}
	}
	headers := `[...document.querySelectorAll("#benchmarks thead th")].map(th => th.textContent)`

	open(repeated)
	var heads, noise, changes, banners []string
	eval(headers, &heads)
	eval(`[...document.querySelectorAll("#benchmarks tbody td.noise")].map(td => td.textContent)`, &noise)
	eval(`[...document.querySelectorAll("#benchmarks tbody td.change")].map(td => td.textContent)`, &changes)
	eval(`[...document.querySelectorAll("#banners .banner")].map(d => d.textContent)`, &banners)
	if !slices.Contains(heads, "Noise") {
		t.Errorf("a repeated run's table has no Noise column: %q", heads)
	}
	if want := []string{"noisy (total 0.02%)", "deterministic"}; !slices.Equal(noise, want) {
		t.Errorf("noise cells %q, want %q", noise, want)
	}
	if len(changes) != 2 || changes[0] != "peak ▲ +250 B (+6.0%) (~ noise, base spread 2.5%)" || changes[1] != "=" {
		t.Errorf("changes %q", changes)
	}
	if len(banners) != 1 || !strings.HasPrefix(banners[0], "noisy: pool::spawn (target threads): base noisy (peak 2.5%) over 3 runs") {
		t.Errorf("banners %q", banners)
	}

	open(single)
	heads = nil
	eval(headers, &heads)
	if slices.Contains(heads, "Noise") {
		t.Errorf("a single run's table has a Noise column: %q", heads)
	}
}
