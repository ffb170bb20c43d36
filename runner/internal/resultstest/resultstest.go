// Package resultstest builds results.Run values with known numbers, for
// the tests of everything that prints or compares results.
package resultstest

import (
	"time"

	"memtally.dev/runner/internal/results"
)

// Bench describes one window of a sample run.
type Bench struct {
	Target, URI                       string
	Peak, Total, Count, Leaked, Freed uint64
	LeakedCount                       uint64
	Status, Reason                    string
	Repetition                        int
}

// Run builds a complete run of the given windows, with a timeline for
// each: the live bytes rise to the peak in steps, then fall to what leaked.
func Run(benches ...Bench) *results.Run {
	start := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		Runner:        results.Runner{Version: "0.1.0", GoVersion: "go1.26.8"},
		StartedAt:     start,
		FinishedAt:    start.Add(3 * time.Second),
		Complete:      true,
		Environment: results.Environment{
			OS: "linux", Arch: "amd64", Kernel: "6.1.0-test", CPU: results.CPU{Model: "Test CPU", LogicalCPUs: 2},
		},
		Targets:    []results.Target{},
		Benchmarks: []results.Benchmark{},
	}
	seen := map[[2]any]bool{}
	for i, b := range benches {
		if !seen[[2]any{b.Target, b.Repetition}] {
			seen[[2]any{b.Target, b.Repetition}] = true
			run.Targets = append(run.Targets, results.Target{
				Name: b.Target, Kind: "command", Command: []string{"fakebench"}, WorkingDir: "/src",
				Repetition: b.Repetition, Status: results.StatusOK, DurationNS: 41234567,
				Integrations: []results.Integration{{Name: "fakebench", Version: "1.0.0", PID: 4242, ProtocolVersion: 1}},
			})
		}
		status := b.Status
		if status == "" {
			status = results.StatusOK
		}
		startNS := uint64(81234567890123 + i*10_000_000)
		bench := results.Benchmark{
			URI: b.URI, Target: b.Target, Repetition: b.Repetition, PID: 4242,
			StartNS: startNS, StopNS: startNS + 1_000_000, Status: status, Reason: b.Reason,
		}
		bench.AllocCount = b.Count
		bench.TotalBytes = b.Total
		if b.Count > 0 {
			bench.AvgAllocBytes = float64(b.Total) / float64(b.Count)
		}
		bench.FreeCount = b.Freed
		bench.PeakBytes = b.Peak
		bench.LeakedBytes = b.Leaked
		bench.LeakedCount = b.LeakedCount
		bench.Timeline = []results.TimelinePoint{
			{TNS: 0, LiveBytes: 0},
			{TNS: 200_000, LiveBytes: b.Peak / 2},
			{TNS: 500_000, LiveBytes: b.Peak},
			{TNS: 900_000, LiveBytes: b.Leaked},
		}
		bench.Allocators = []results.Allocator{{Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Families: []string{"libc"}, Symbols: 9}}
		run.Benchmarks = append(run.Benchmarks, bench)
	}
	run.RecordEnvironment()
	return run
}

// Sample is a run of two targets, listed out of order, with a leak and an
// incomplete window.
func Sample() *results.Run {
	return Run(
		Bench{Target: "parse", URI: "benches/parse.rs::json::small", Peak: 4586, Total: 4810, Count: 28, Freed: 27, Leaked: 4096, LeakedCount: 1},
		Bench{Target: "parse", URI: "benches/parse.rs::json::large", Peak: 3 << 20, Total: 5 << 20, Count: 1200, Freed: 1200},
		Bench{Target: "cli", URI: "cli", Peak: 512, Total: 800, Count: 4, Freed: 4},
		Bench{Target: "parse", URI: "benches/parse.rs::json::broken", Peak: 100, Total: 100, Count: 1,
			Status: results.StatusIncomplete, Reason: "client exited during benchmark"},
	)
}

// Repeated is a run of one target three times, whose peak varies.
func Repeated() *results.Run {
	var benches []Bench
	for rep, peak := range []uint64{4096, 4200, 4150} {
		benches = append(benches,
			Bench{Target: "threads", URI: "pool::spawn", Peak: peak, Total: 8000 + uint64(rep), Count: 10, Freed: 10, Repetition: rep + 1},
			Bench{Target: "threads", URI: "pool::steady", Peak: 1000, Total: 1000, Count: 2, Freed: 2, Repetition: rep + 1})
	}
	run := Run(benches...)
	run.Repeat = 3
	return run
}

// Hostile is a run whose target name, URIs and reasons hold what a
// terminal or a Markdown renderer acts on: escape sequences, a carriage
// return, newlines, NUL, invalid UTF-8, table pipes, a heading, HTML and
// backticks.
func Hostile() *results.Run {
	const target = "t\x1b[31mred"
	run := Run(
		Bench{Target: target, URI: "\x1b[2J\x1b[Hclear", Peak: 64, Total: 64, Count: 1, Freed: 1},
		Bench{Target: target, URI: "a\rok\nb\x00c\xff", Peak: 32, Total: 32, Count: 1, Freed: 1},
		Bench{Target: target, URI: "# x | y |\n| z | <script>alert(1)</script> `code`", Peak: 16, Total: 16, Count: 1,
			Status: results.StatusIncomplete, Reason: "nested start of \"\x1b]0;title\x07\" | <b>"},
	)
	run.Targets = append(run.Targets, results.Target{Name: "b\rok", Kind: "command", Status: results.StatusFailed, Reason: "exit\n| status 3"})
	return run
}
