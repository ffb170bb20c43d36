package overhead

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/testutil"
)

// bpfUnavailable fails the test because eBPF cannot run here, unless
// MEMTALLY_SKIP_BPF=1 says the environment is known to lack it; as in
// package capture, a missing privilege is never skipped silently.
func bpfUnavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("MEMTALLY_SKIP_BPF") == "1" {
		t.Skipf("MEMTALLY_SKIP_BPF=1: skipping what needs eBPF (%v)", err)
	}
	t.Fatalf("eBPF is unavailable: %v\nrun as root on a kernel with BTF and uprobe_multi (scripts/bench does), or set MEMTALLY_SKIP_BPF=1 to skip knowingly", err)
}

func requireBPF(t testing.TB) {
	t.Helper()
	if err := capture.CheckPrivileges(); err != nil {
		bpfUnavailable(t, err)
	}
}

// newTracer returns a Tracer with the runner's default options, closed
// when the test or benchmark ends.
func newTracer(t testing.TB) *capture.Tracer {
	t.Helper()
	tr, err := capture.New(capture.Options{})
	if err != nil {
		bpfUnavailable(t, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// fixtures are built once per run with gcc -O2: the timed loops must be
// what a real benchmark would be compiled as.
var fixtures *testutil.Fixtures

func TestMain(m *testing.M) {
	var err error
	if fixtures, err = testutil.NewFixtures("-O2"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	fixtures.Remove()
	os.Exit(code)
}

// build compiles runner/testdata/fixtures/src, with flags, once per run.
func build(t testing.TB, src string, flags ...string) string {
	t.Helper()
	return fixtures.Build(t, strings.TrimSuffix(src, ".c"), append([]string{src}, flags...)...)
}

// loop is one run of a loop fixture.
type loop struct {
	ns  float64   // ns per pair, as the loop printed it
	end time.Time // when the process was reaped
	// cpu is the CPU time, user and system, of the loop's process: on a
	// busy machine its wall-clock time also counts the time it waited
	// for a CPU, and this does not.
	cpu time.Duration
	// wall is the time from the resume to the exit, and self the CPU
	// time this process (the tracer, when it traces) spent meanwhile.
	wall, self time.Duration
}

// attachFunc runs while a loop is held stopped, and returns what to run
// once it has exited.
type attachFunc func(pid int) (after func() error, err error)

// runLoop runs argv held, calls attach (if not nil) while it is held,
// resumes it and waits for it. It may run on any goroutine.
func runLoop(argv []string, attach attachFunc) (loop, error) {
	cmd := Held(argv...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := StartHeld(cmd); err != nil {
		return loop{}, err
	}
	// A no-op once the process is reaped; otherwise, after a failure,
	// it keeps a held loop from lingering.
	defer cmd.Process.Kill()
	var after func() error
	if attach != nil {
		var err error
		if after, err = attach(cmd.Process.Pid); err != nil {
			return loop{}, err
		}
	}
	self0, err := selfCPU()
	if err != nil {
		return loop{}, err
	}
	resumed := time.Now()
	if err := Resume(cmd); err != nil {
		return loop{}, err
	}
	werr := cmd.Wait()
	end := time.Now()
	self1, err := selfCPU()
	if err != nil {
		return loop{}, err
	}
	var aerr error
	if after != nil {
		aerr = after()
	}
	if werr != nil {
		return loop{}, fmt.Errorf("%s: %w", filepath.Base(argv[0]), werr)
	}
	if aerr != nil {
		return loop{}, aerr
	}
	ns, err := ParseNsPerPair(out.Bytes())
	return loop{ns: ns, end: end, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		wall: end.Sub(resumed), self: self1 - self0}, err
}

// selfCPU returns the CPU time, user and system, this process has used.
func selfCPU() (time.Duration, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// traced follows the held loop with tr and then, as armed does, traces it
// the runner's way.
func traced(tr *capture.Tracer, m *capture.Metrics) attachFunc {
	return func(pid int) (func() error, error) {
		if err := tr.Follow(pid); err != nil {
			return nil, fmt.Errorf("follow: %w", err)
		}
		return armed(tr, m)(pid)
	}
}

// armed opens an exec-target window on a loop tr already follows, and
// stores the window's metrics in m once the loop's tree has exited.
func armed(tr *capture.Tracer, m *capture.Metrics) attachFunc {
	return func(pid int) (func() error, error) {
		if err := tr.BeginAtExec(pid); err != nil {
			return nil, fmt.Errorf("begin at exec: %w", err)
		}
		return func() error {
			select {
			case <-tr.TreeExited():
			case <-time.After(30 * time.Second):
				return errors.New("end window: the tree has not exited 30 s after its leader")
			}
			got, err := tr.End()
			if err != nil {
				return fmt.Errorf("end window: %w", err)
			}
			*m = got
			return nil
		}, nil
	}
}

// noop attaches the do-nothing probes to the held loop.
func noop(pid int) (func() error, error) {
	p, err := AttachNoop(pid)
	if err != nil {
		return nil, err
	}
	return p.Close, nil
}

// beside chains onto attach (if not nil) a second loop, argv, untraced and
// not followed, started delay after the first is resumed; once the first
// has exited, it stores the second's run in got and fails unless the
// second ran entirely inside the first.
func beside(attach attachFunc, delay time.Duration, argv []string, got *loop) attachFunc {
	return func(pid int) (func() error, error) {
		var after func() error
		if attach != nil {
			var err error
			if after, err = attach(pid); err != nil {
				return nil, err
			}
		}
		done := make(chan error, 1)
		go func() {
			// attach runs just before the resume, so this counts from
			// about then.
			time.Sleep(delay)
			l, err := runLoop(argv, nil)
			*got = l
			done <- err
		}()
		return func() error {
			first := time.Now() // the first loop has just been reaped
			err := <-done
			if after != nil {
				if err := after(); err != nil {
					return err
				}
			}
			if err != nil {
				return fmt.Errorf("unrelated loop: %w", err)
			}
			if got.end.After(first) {
				return fmt.Errorf("the unrelated loop outlived the loop it was meant to run beside (by %v): lengthen the latter", got.end.Sub(first))
			}
			return nil
		}, nil
	}
}

// exact fails unless a window counted exactly allocs allocations and
// frees frees, and dropped nothing.
func exact(m capture.Metrics, allocs, frees uint64) error {
	if m.AllocCount != allocs || m.FreeCount != frees || m.DroppedEvents != 0 {
		return fmt.Errorf("window counted %d allocations, %d frees and %d dropped events; want %d, %d and 0",
			m.AllocCount, m.FreeCount, m.DroppedEvents, allocs, frees)
	}
	return nil
}

// perOp averages figures over a benchmark's b.N operations, in the order
// they were first added.
type perOp struct {
	units []string
	sum   map[string]float64
}

func (p *perOp) add(unit string, v float64) {
	if p.sum == nil {
		p.sum = map[string]float64{}
	}
	if _, ok := p.sum[unit]; !ok {
		p.units = append(p.units, unit)
	}
	p.sum[unit] += v
}

func (p *perOp) report(b *testing.B) {
	for _, u := range p.units {
		b.ReportMetric(p.sum[u]/float64(b.N), u)
	}
	// The op's wall time mixes configurations of very different speeds;
	// zero hides it from the output.
	b.ReportMetric(0, "ns/op")
}
