package runner_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/testutil"
)

// BenchmarkRunnerExit measures how long the runner takes to exit after its
// last command did, when that command's window spawned 500 processes
// (MEMTALLY_BENCH_EXIT_CHILDREN). The target is under a second. "wide" has
// them all alive at once, exiting together at the end; "serial" forks each
// after the previous one exited. Each runs as the runner does by default,
// and with --per-process-probes, where each child has probes of its own to
// detach, for comparison.
func BenchmarkRunnerExit(b *testing.B) {
	testutil.RequireBPF(b, capture.CheckPrivileges())
	children := 500
	if v := os.Getenv("MEMTALLY_BENCH_EXIT_CHILDREN"); v != "" {
		var err error
		if children, err = strconv.Atoi(v); err != nil || children < 1 {
			b.Fatalf("MEMTALLY_BENCH_EXIT_CHILDREN=%q: want a positive number", v)
		}
	}
	fixtures, err := testutil.NewFixtures("-O2")
	if err != nil {
		b.Fatal(err)
	}
	defer fixtures.Remove()
	prog := fixtures.Build(b, "forkmany", "forkmany.c")
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, bench := range []struct{ name, mode, flag string }{
		{"wide", "wide", ""}, {"serial", "serial", ""},
		{"wide-perprocess", "wide", "--per-process-probes"}, {"serial-perprocess", "serial", "--per-process-probes"},
	} {
		mode := bench.mode
		b.Run(bench.name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				done := filepath.Join(dir, "done")
				// The test binary is the runner when started under that
				// name (see TestMain).
				args := []string{"runner", "run", "--quiet", "--out", filepath.Join(dir, "out")}
				if bench.flag != "" {
					args = append(args, bench.flag)
				}
				cmd := &exec.Cmd{Path: self, Args: append(args, "--", prog, strconv.Itoa(children), mode, done)}
				cmd.Stderr = os.Stderr
				if err := cmd.Run(); err != nil {
					b.Fatalf("runner: %v", err)
				}
				exited := monotonicNow(b)
				data, err := os.ReadFile(done)
				if err != nil {
					b.Fatal(err)
				}
				commandExited, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				total += time.Duration(exited - commandExited)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/exit")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func monotonicNow(b *testing.B) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		b.Fatal(err)
	}
	return ts.Nano()
}
