package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"memtally.dev/runner/internal/resultstest"
)

// TestReportNaturalOrder checks that the table lists benchmarks in natural
// order, as the terminal table does, and that sorting by name in the page
// keeps that order: bench_2 before bench_10, both ways.
func TestReportNaturalOrder(t *testing.T) {
	exe := chromium(t)
	var benches []resultstest.Bench
	for _, uri := range []string{"b.rs::bench_10", "b.rs::bench_2", "b.rs::bench_1", "b.rs::bench_02x", "b.rs::bench_2x"} {
		benches = append(benches, resultstest.Bench{Target: "t", URI: uri, Peak: 100, Total: 100, Count: 1})
	}
	view := FromRun(resultstest.Run(benches...), nil)
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
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, browserOptions(exe, dir)...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	rows := func() []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`[...document.querySelectorAll("#benchmarks tbody td.uri")].map(td => td.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		if err := json.Unmarshal(v, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	click := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(`#benchmarks th[data-key="uri"]`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#benchmarks tbody td.uri")); err != nil {
		t.Fatal(err)
	}
	want := []string{"b.rs::bench_1", "b.rs::bench_2", "b.rs::bench_2x", "b.rs::bench_02x", "b.rs::bench_10"}
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("as rendered: %q, want %q", got, want)
	}
	click()
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("sorted by name: %q, want %q", got, want)
	}
	click()
	slices.Reverse(want)
	if got := rows(); !slices.Equal(got, want) {
		t.Errorf("sorted by name, descending: %q, want %q", got, want)
	}
}
