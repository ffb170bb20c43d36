package capture

import (
	"bytes"
	"math"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/allocsym"
)

// overheadPairs is the loop length of the overhead benchmark.
const overheadPairs = 1000000

// BenchmarkOverhead measures, in one run, the ns per malloc(64)+free pair
// of a tight C loop (testdata/fixtures/pairs.c), each figure the median of
// three runs:
//   - untraced-ns/pair: no probes;
//   - bare-ns/pair: the same uprobes the tracer places on libc, running a
//     BPF program that does nothing, the floor any uprobe tracer pays;
//   - traced-ns/pair: traced by a Tracer inside an open window;
//   - traced/bare: the tracer's cost over the bare probes;
//   - bystander-ratio: the ns/pair of an unrelated process running the
//     same loop beside a traced run, over its ns/pair beside an untraced
//     run (the machine has two CPUs, so both baselines share them).
//
// Run it with: go test -run '^$' -bench Overhead -benchtime 1x ./internal/capture
func BenchmarkOverhead(b *testing.B) {
	requireBPF(b)
	bin := build(b, "pairs", "pairs.c")
	tr, err := New(Options{})
	if err != nil {
		bpfUnavailable(b, err)
	}
	defer tr.Close()
	for i := 0; i < b.N; i++ {
		untraced := median(func() float64 { return pairsRun(b, bin, nil) })
		bare := median(func() float64 { return pairsRun(b, bin, attachNoop) })
		traced := median(func() float64 { return pairsRun(b, bin, traceWith(tr, nil)) })
		beside := median(func() float64 {
			var ns float64
			pairsRun(b, bin, besides(bin, &ns))
			return ns
		})
		besideTraced := median(func() float64 {
			var ns float64
			pairsRun(b, bin, traceWith(tr, besides(bin, &ns)))
			return ns
		})
		b.ReportMetric(untraced, "untraced-ns/pair")
		b.ReportMetric(bare, "bare-ns/pair")
		b.ReportMetric(traced, "traced-ns/pair")
		b.ReportMetric(traced/bare, "traced/bare")
		b.ReportMetric(besideTraced/beside, "bystander-ratio")
	}
}

func median(run func() float64) float64 {
	v := []float64{run(), run(), run()}
	sort.Float64s(v)
	return v[1]
}

// traceWith follows the held process with tr in an exec-target window,
// then runs next, if any.
func traceWith(tr *Tracer, next func(*testing.B, int) func()) func(*testing.B, int) func() {
	return func(b *testing.B, pid int) func() {
		if err := tr.Follow(pid); err != nil {
			b.Fatal(err)
		}
		if err := tr.BeginAtExec(pid); err != nil {
			b.Fatal(err)
		}
		var after func()
		if next != nil {
			after = next(b, pid)
		}
		return func() {
			if after != nil {
				after()
			}
			<-tr.TreeExited()
			if _, err := tr.End(); err != nil {
				b.Error(err)
			}
		}
	}
}

// besides starts an unrelated, untraced run of the loop next to the held
// one, and stores its ns/pair in ns once both are done.
func besides(bin string, ns *float64) func(*testing.B, int) func() {
	return func(b *testing.B, _ int) func() {
		done := make(chan float64)
		go func() { done <- pairsRun(b, bin, nil) }()
		return func() { *ns = <-done }
	}
}

// pairsRun runs pairs held, lets setup attach to it, and returns the ns
// per pair it printed, or NaN after reporting an error. setup's result, if
// any, runs after the exit. It may run on any goroutine, so it reports
// with Error, never Fatal.
func pairsRun(b *testing.B, bin string, setup func(*testing.B, int) func()) float64 {
	cmd := exec.Command("/bin/sh", "-c", `kill -STOP $$; exec "$@"`, "sh", bin, strconv.Itoa(overheadPairs))
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		b.Error(err)
		return math.NaN()
	}
	defer cmd.Process.Kill()
	var ws unix.WaitStatus
	if _, err := unix.Wait4(cmd.Process.Pid, &ws, unix.WUNTRACED, nil); err != nil || !ws.Stopped() {
		b.Errorf("hold pairs: %v %v", err, ws)
		return math.NaN()
	}
	var after func()
	if setup != nil {
		after = setup(b, cmd.Process.Pid)
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		b.Error(err)
		return math.NaN()
	}
	err := cmd.Wait()
	if after != nil {
		after()
	}
	if err != nil {
		b.Error(err)
		return math.NaN()
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
	if err != nil {
		b.Errorf("pairs printed %q", out.String())
		return math.NaN()
	}
	return ns
}

// attachNoop places programs that do nothing where the tracer places its
// own on the process's libc, and detaches them after the run.
func attachNoop(b *testing.B, pid int) func() {
	maps, err := executableMappings(uint32(pid))
	if err != nil {
		b.Fatal(err)
	}
	var links []link.Link
	noop := func(at ebpf.AttachType) *ebpf.Program {
		p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.Kprobe, AttachType: at, License: "GPL",
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	entry, ret := noop(ebpf.AttachTraceUprobeMulti), noop(ebpf.AttachTraceUprobeMulti)
	for _, m := range maps {
		if !strings.Contains(m.path, "libc.so") {
			continue
		}
		plan, err := allocsym.Discover(m.path)
		if err != nil {
			b.Fatal(err)
		}
		ex, err := link.OpenExecutable(m.path)
		if err != nil {
			b.Fatal(err)
		}
		var entries, returns []uint64
		for _, p := range plan.Probes {
			entries = append(entries, p.Entry)
			if p.Return {
				returns = append(returns, p.Func)
			}
		}
		l, err := ex.UprobeMulti(nil, entry, &link.UprobeMultiOptions{Addresses: entries, PID: uint32(pid)})
		if err != nil {
			b.Fatal(err)
		}
		links = append(links, l)
		l, err = ex.UretprobeMulti(nil, ret, &link.UprobeMultiOptions{Addresses: returns, PID: uint32(pid)})
		if err != nil {
			b.Fatal(err)
		}
		links = append(links, l)
	}
	if len(links) == 0 {
		b.Fatal("no libc mapping to probe")
	}
	return func() {
		for _, l := range links {
			l.Close()
		}
		entry.Close()
		ret.Close()
	}
}
