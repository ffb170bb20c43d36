package capture

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
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
	cmd := launch.HeldCommand(argv...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitStopped(t, cmd.Process.Pid)
	return cmd
}

// runExecTarget measures argv as an exec target: from its exec to the exit
// of its whole tree.
func runExecTarget(t *testing.T, tr *Tracer, argv ...string) Metrics {
	t.Helper()
	cmd := startHeld(t, argv...)
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		t.Fatalf("follow: %v", err)
	}
	if err := tr.BeginAtExec(cmd.Process.Pid); err != nil {
		t.Fatalf("begin at exec: %v", err)
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
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
