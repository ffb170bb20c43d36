package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/results"
)

func newRecorder(t testing.TB) *recorder {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Remove() })
	run := &results.Run{SchemaVersion: results.SchemaVersion, StartedAt: time.Now().UTC(),
		Targets: []results.Target{}, Benchmarks: []results.Benchmark{}}
	return &recorder{dir: dir, run: run, journal: j, validate: func(string) error { return nil }}
}

func closedWindows(n int) []results.Benchmark {
	bs := make([]results.Benchmark, n)
	for i := range bs {
		bs[i] = results.Benchmark{URI: fmt.Sprintf("benches/mem.rs::bench_%d", i), Target: "t", PID: 1,
			StartNS: uint64(i + 1), StopNS: uint64(i + 2), Status: results.StatusOK}
	}
	return bs
}

// results.json is rewritten at the first window, then not again within
// checkpointEvery, and lists the running target with its windows so far.
func TestRecorderCheckpoints(t *testing.T) {
	rec := newRecorder(t)
	target := results.Target{Name: "t", Status: results.StatusOK}
	bs := closedWindows(2)
	if err := rec.window(0, bs[0], target, bs[:1], 0); err != nil {
		t.Fatal(err)
	}
	if err := rec.window(1, bs[1], target, bs[:2], 0); err != nil {
		t.Fatal(err)
	}
	run, err := results.Read(filepath.Join(rec.dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Benchmarks) != 1 || len(run.Targets) != 1 || run.Targets[0].Reason != journal.InProgressReason || run.Complete {
		t.Errorf("checkpoint has %d benchmarks, targets %+v, complete %v; want the first window and the target running",
			len(run.Benchmarks), run.Targets, run.Complete)
	}
	if len(rec.run.Targets) != 0 || len(rec.run.Benchmarks) != 0 {
		t.Error("a checkpoint changed the run itself")
	}
	if fi, err := os.Stat(filepath.Join(rec.dir, journal.FileName)); err != nil || fi.Size() == 0 {
		t.Errorf("the journal holds nothing: %v", err)
	}
}

// BenchmarkCheckpoint100k is one rewrite of results.json during a target
// that has closed 100,000 windows without timelines.
func BenchmarkCheckpoint100k(b *testing.B) {
	rec := newRecorder(b)
	bs := closedWindows(100_000)
	target := results.Target{Name: "t", Status: results.StatusOK}
	b.ReportAllocs()
	for b.Loop() {
		rec.next = time.Time{}
		if err := rec.window(len(bs)-1, bs[len(bs)-1], target, bs, 0); err != nil {
			b.Fatal(err)
		}
	}
	fi, _ := os.Stat(filepath.Join(rec.dir, results.FileName))
	b.ReportMetric(float64(fi.Size())/1e6, "MB/file")
}
