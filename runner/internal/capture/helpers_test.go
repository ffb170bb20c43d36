package capture

import (
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/privlibs"
	"memtally.dev/runner/internal/testutil"
)

// bpfUnavailable fails the test because eBPF capture cannot run here,
// unless MEMTALLY_SKIP_BPF=1 says the environment is known to lack it.
// Every test that needs eBPF goes through requireBPF or newTracer.
func bpfUnavailable(t testing.TB, err error) {
	t.Helper()
	testutil.RequireBPF(t, err)
}

// requireBPF checks the privileges eBPF capture needs.
func requireBPF(t testing.TB) {
	t.Helper()
	testutil.RequireBPF(t, CheckPrivileges())
}

// built holds the fixtures, built once for the whole run, without optimisation, so
// that each allocation in the source is a call the probes see.
var built *testutil.Fixtures

func TestMain(m *testing.M) {
	os.Exit(testutil.RunWithFixtures(m, &built, "-O0", "-g"))
}

// build compiles a fixture from runner/testdata/fixtures once per run.
func build(t testing.TB, name string, args ...string) string {
	t.Helper()
	return built.Build(t, name, args...)
}

// startHeld starts argv behind a shell that stops itself before exec'ing
// it, the way the runner launches commands, and waits for the stop.
func startHeld(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	return startHeldFor(t, nil, argv...)
}

// startHeldFor is startHeld for tr's trees: in its namespace of private
// libraries, if it has one.
func startHeldFor(t *testing.T, tr *Tracer, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := launch.HeldCommand(argv...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := startFor(tr, cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitStopped(t, cmd.Process.Pid)
	return cmd
}

// heldInWindow starts argv held, follows its tree and opens a window at its
// exec, as an exec target's; it runs once resumed.
func heldInWindow(t *testing.T, tr *Tracer, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := startHeldFor(t, tr, argv...)
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		t.Fatalf("follow: %v", err)
	}
	if err := tr.BeginAtExec(cmd.Process.Pid); err != nil {
		t.Fatalf("begin at exec: %v", err)
	}
	return cmd
}

// resume lets a held command run.
func resume(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// runExecTarget measures argv as an exec target: from its exec to the exit
// of its whole tree.
func runExecTarget(t *testing.T, tr *Tracer, argv ...string) Metrics {
	t.Helper()
	cmd := heldInWindow(t, tr, argv...)
	resume(t, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	select {
	case <-tr.TreeExited():
	case <-time.After(20 * time.Second):
		t.Fatal("the process tree did not exit")
	}
	m, err := tr.End()
	if err != nil {
		t.Fatalf("end: %v", err)
	}
	return m
}

// probeKind is how a test's tracer attaches probes: per process, per
// binary on private copies of the allocator libraries in a namespace of
// the tree's own (the runner's default), or per binary for the machine.
type probeKind string

const (
	perProcess probeKind = "per-process"
	private    probeKind = "private"
	shared     probeKind = "shared"
)

var probeKinds = []probeKind{perProcess, private, shared}

// namespaces holds the namespace of each tracer of kind private.
var namespaces sync.Map // *Tracer -> *privlibs.Namespace

// newTracerKind returns a tracer that attaches probes the kind's way.
func newTracerKind(t *testing.T, kind probeKind) *Tracer {
	t.Helper()
	tr := newTracerWith(t, Options{SharedProbes: kind == shared})
	if kind != private {
		return tr
	}
	ns, err := privlibs.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	var files []PrivateFile
	for _, l := range ns.Libraries() {
		files = append(files, PrivateFile{Dev: l.Dev, Ino: l.Ino})
	}
	if err := tr.ShareProbesOf(files); err != nil {
		t.Fatal(err)
	}
	namespaces.Store(tr, ns)
	return tr
}

// startFor starts cmd for tr's trees: in its namespace, if it has one.
func startFor(tr *Tracer, cmd *exec.Cmd) error {
	if ns, ok := namespaces.Load(tr); ok && tr != nil {
		return ns.(*privlibs.Namespace).Run(cmd.Start)
	}
	return cmd.Start()
}

func newTracer(t *testing.T) *Tracer {
	t.Helper()
	return newTracerWith(t, Options{})
}

func newTracerWith(t *testing.T, opts Options) *Tracer {
	t.Helper()
	requireBPF(t)
	if opts.SharedProbes {
		// Released after the tracer's Close, a cleanup registered later.
		unlock, err := testutil.LockSharedProbes()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(unlock)
	}
	tr, err := New(opts)
	if err != nil {
		bpfUnavailable(t, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}
