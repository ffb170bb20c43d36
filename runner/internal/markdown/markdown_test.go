package markdown_test

import (
	"bytes"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/golden"
	"memtally.dev/runner/internal/markdown"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := markdown.Write(&buf, resultstest.Sample(), nil); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "summary", buf.Bytes())

	base, head := resultstest.Sample(), resultstest.Sample()
	head.Benchmarks[0].PeakBytes = 5100
	head.Benchmarks[0].TotalBytes = 4700
	head.Benchmarks[1].URI = "benches/parse.rs::json::huge"
	head.Benchmarks[2].URI = "cli-new"
	head.Benchmarks[2].PeakBytes = 600
	buf.Reset()
	if err := markdown.Write(&buf, head, compare.Runs(base, head, threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "baseline", buf.Bytes())

	buf.Reset()
	if err := markdown.Write(&buf, resultstest.Repeated(), compare.Runs(resultstest.Repeated(), resultstest.Repeated(), threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "repeat", buf.Bytes())
}
