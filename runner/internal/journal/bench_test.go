package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"memtally.dev/runner/internal/results"
)

// window is a benchmark as a window records it, with points timeline
// points.
func window(i, points int) results.Benchmark {
	b := bench(fmt.Sprintf("benches/mem.rs::group::bench_%d", i), i)
	b.Memory = results.Memory{Timeline: make([]results.TimelinePoint, points)}
	for p := range b.Memory.Timeline {
		b.Memory.Timeline[p] = results.TimelinePoint{TNS: uint64(p) * 1000, LiveBytes: uint64(p) * 64}
	}
	return b
}

// BenchmarkAppend is what each closed window costs the runner before its
// stop is acknowledged, without and with a full timeline.
func BenchmarkAppend(b *testing.B) {
	for _, points := range []int{0, 1000} {
		b.Run(fmt.Sprintf("timeline=%d", points), func(b *testing.B) {
			j, err := Create(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer j.Remove()
			w := window(0, points)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := j.Benchmark(i, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFold100k folds the journal of a target killed after 100,000
// windows without timelines, as the supervisor does.
func BenchmarkFold100k(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		newRun(b, dir, 0, 0)
		j, err := Create(dir)
		if err != nil {
			b.Fatal(err)
		}
		j.Target(0, results.Target{Name: "t"})
		for i := 0; i < n; i++ {
			if err := j.Benchmark(i, window(i, 0)); err != nil {
				b.Fatal(err)
			}
		}
		info, _ := os.Stat(filepath.Join(dir, FileName))
		b.ReportMetric(float64(info.Size())/n, "journal-B/window")
		b.StartTimer()
		if added, err := Fold(dir, reason); err != nil || added != n {
			b.Fatalf("added %d, %v", added, err)
		}
	}
}
