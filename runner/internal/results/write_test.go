package results_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"memtally.dev/runner/internal/results"
)

// TestWriteEncodesAsMarshalIndent checks that Write, which encodes the
// benchmarks one at a time, writes the bytes json.MarshalIndent writes
// for the whole run, and that WriteWith writes those of the run with the
// extra benchmarks appended, each with the repetition given.
func TestWriteEncodesAsMarshalIndent(t *testing.T) {
	bench := func(uri string) results.Benchmark {
		return results.Benchmark{
			URI: uri, Target: "t<&>", PID: 7, StartNS: 1, StopNS: 9, Status: results.StatusOK,
			Markers: []results.Marker{{Name: "m", TimestampNS: 3}},
			Memory: results.Memory{
				AllocCount: 2, TotalBytes: 30, AvgAllocBytes: 15, PeakBytes: 20,
				Timeline:   []results.TimelinePoint{{TNS: 1, LiveBytes: 10}, {TNS: 2, LiveBytes: 20}},
				Allocators: []results.Allocator{{Path: "/lib/libc.so.6", Families: []string{"libc"}, Symbols: 4}},
			},
		}
	}
	base := func(bs []results.Benchmark) *results.Run {
		return &results.Run{
			SchemaVersion: results.SchemaVersion,
			Runner:        results.Runner{Version: "v"},
			StartedAt:     time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			Reason:        "still running",
			Targets:       []results.Target{{Name: "t", Command: []string{"x"}, Status: results.StatusOK}},
			Benchmarks:    bs,
		}
	}
	cases := []struct {
		name string
		run  *results.Run
		more []results.Benchmark
		rep  int
	}{
		{"nil benchmarks", base(nil), nil, 0},
		{"no benchmarks", base([]results.Benchmark{}), nil, 0},
		{"one", base([]results.Benchmark{bench("a")}), nil, 0},
		{"several", base([]results.Benchmark{bench("a"), bench("b"), bench("c")}), nil, 0},
		{"only more", base([]results.Benchmark{}), []results.Benchmark{bench("a"), bench("b")}, 0},
		{"both", base([]results.Benchmark{bench("a")}), []results.Benchmark{bench("b")}, 0},
		{"both repeated", base([]results.Benchmark{bench("a")}), []results.Benchmark{bench("b"), bench("c")}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := results.WriteWith(dir, c.run, c.more, c.rep); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, results.FileName))
			if err != nil {
				t.Fatal(err)
			}
			whole := *c.run
			if c.more != nil {
				whole.Benchmarks = append(append([]results.Benchmark{}, c.run.Benchmarks...), c.more...)
				for i := len(c.run.Benchmarks); c.rep != 0 && i < len(whole.Benchmarks); i++ {
					whole.Benchmarks[i].Repetition = c.rep
				}
			}
			want, err := json.MarshalIndent(&whole, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			if !bytes.Equal(got, want) {
				t.Errorf("results.json:\n%s\nwant:\n%s", got, want)
			}
			if c.rep != 0 && c.more[0].Repetition != 0 {
				t.Error("WriteWith changed the benchmarks it was given")
			}
		})
	}
}
