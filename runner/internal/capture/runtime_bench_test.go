package capture

import (
	"os/exec"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
)

// BenchmarkRuntimeStart measures what following a process adds to the
// start of a runtime (`node -e 0`, `python3 -c pass`), from its resume to
// its exit, against the same held start not followed ("bare"):
//   - "outside": followed, with no window open while it runs, as a
//     harness's runtime that starts before its first benchmark or between
//     two (pytest importing a suite, a vitest worker);
//   - "exec": an exec target's whole-command window, in which every
//     allocation of the start counts and is trapped.
//
// Each figure is the median of five runs in one repetition, and each ratio
// (config - bare) / bare is taken within the repetition.
func BenchmarkRuntimeStart(b *testing.B) {
	requireBPF(b)
	tr, err := New(Options{})
	if err != nil {
		bpfUnavailable(b, err)
	}
	defer tr.Close()
	for _, rt := range [][]string{{"node", "-e", "0"}, {"python3", "-c", "pass"}} {
		if _, err := exec.LookPath(rt[0]); err != nil {
			continue
		}
		b.Run(rt[0], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bare := median5(b, func() time.Duration { return startRuntime(b, tr, rt, "bare") })
				outside := median5(b, func() time.Duration { return startRuntime(b, tr, rt, "outside") })
				execWin := median5(b, func() time.Duration { return startRuntime(b, tr, rt, "exec") })
				b.ReportMetric(bare.Seconds()*1e3, "ms-bare")
				b.ReportMetric(outside.Seconds()*1e3, "ms-outside")
				b.ReportMetric(execWin.Seconds()*1e3, "ms-exec")
				b.ReportMetric((outside-bare).Seconds()/bare.Seconds(), "outside-added/bare")
				b.ReportMetric((execWin-bare).Seconds()/bare.Seconds(), "exec-added/bare")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

func median5(b *testing.B, run func() time.Duration) time.Duration {
	var ds []time.Duration
	for range 5 {
		ds = append(ds, run())
	}
	slices.Sort(ds)
	return ds[2]
}

// startRuntime starts argv held, follows it as mode says, and returns the
// time from its resume to its exit (and, for "exec", to its window's end).
func startRuntime(b *testing.B, tr *Tracer, argv []string, mode string) time.Duration {
	cmd := launch.HeldCommand(argv...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if err := launch.WaitStopped(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		b.Fatal(err)
	}
	if mode != "bare" {
		if err := tr.Follow(cmd.Process.Pid); err != nil {
			cmd.Process.Kill()
			b.Fatal(err)
		}
	}
	if mode == "exec" {
		if err := tr.BeginAtExec(cmd.Process.Pid); err != nil {
			cmd.Process.Kill()
			b.Fatal(err)
		}
	}
	start := time.Now()
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%v: %v", argv, err)
	}
	if mode != "bare" {
		select {
		case <-tr.TreeExited():
		case <-time.After(30 * time.Second):
			b.Fatal("the tree did not exit")
		}
	}
	if mode == "exec" {
		m, err := tr.End()
		if err != nil {
			b.Fatal(err)
		}
		if m.AllocCount == 0 || m.DroppedEvents != 0 {
			b.Fatalf("%v: %d allocations, %d dropped", argv, m.AllocCount, m.DroppedEvents)
		}
	}
	return time.Since(start)
}
