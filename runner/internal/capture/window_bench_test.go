package capture

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
)

// BenchmarkBeginEnd measures what a benchmark window costs the runner
// beyond its allocations: one Begin and one End, as the protocol server
// makes them at a harness's Start and Stop, around an idle followed
// process. A harness running many small benchmarks pays it per benchmark.
// Besides the mean (ns/op), it reports the median and 99th percentile of
// the pairs and of each half.
func BenchmarkBeginEnd(b *testing.B) {
	requireBPF(b)
	tr, err := New(Options{})
	if err != nil {
		bpfUnavailable(b, err)
	}
	defer tr.Close()
	stop, err := startIdle(tr)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	begins := make([]time.Duration, 0, b.N)
	ends := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if err := tr.Begin(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := tr.End(); err != nil {
			b.Fatal(err)
		}
		begins = append(begins, t1.Sub(t0))
		ends = append(ends, time.Since(t1))
	}
	b.StopTimer()
	pairs := make([]time.Duration, len(begins))
	for i := range begins {
		pairs[i] = begins[i] + ends[i]
	}
	report := func(d []time.Duration, name string) {
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "median-us/"+name)
		b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds())/1e3, "p99-us/"+name)
	}
	report(pairs, "pair")
	report(begins, "begin")
	report(ends, "end")
}

// startIdle starts a process that sleeps through the benchmark, follows it
// as the runner follows a command, and returns what ends it.
func startIdle(tr *Tracer) (stop func(), err error) {
	cmd := launch.HeldCommand("sleep", "1000")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	if err := launch.WaitStopped(cmd.Process.Pid); err != nil {
		stop()
		return nil, err
	}
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		stop()
		return nil, err
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}
