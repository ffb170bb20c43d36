package capture

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// fixtureDir holds the built fixtures of this test binary run.
var fixtureDir string

// TestMain builds fixtures into one directory for the whole run; the
// directory must be reachable by every process of a fixture's tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "memtally-fixtures-")
	if err != nil {
		panic(err)
	}
	fixtureDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildMu sync.Mutex

// build compiles a fixture from runner/testdata/fixtures once per run.
func build(t testing.TB, name string, args ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	out := filepath.Join(fixtureDir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	cc := "gcc"
	var files []string
	for _, a := range args {
		if strings.HasSuffix(a, ".c") || strings.HasSuffix(a, ".cpp") {
			files = append(files, filepath.Join(src, a))
			if strings.HasSuffix(a, ".cpp") {
				cc = "g++"
			}
			continue
		}
		files = append(files, a)
	}
	cmdArgs := append([]string{"-O0", "-g", "-o", out}, files...)
	cmd := exec.Command(cc, cmdArgs...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
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
	requireBPF(t)
	tr, err := New(Options{})
	if err != nil {
		bpfUnavailable(t, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}
