package prebuild

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/procstat"
	"memtally.dev/runner/internal/terminate"
)

func TestStep(t *testing.T) {
	for _, c := range []struct {
		argv, want string // words, split at spaces; "" for no step
	}{
		{"cargo bench", "cargo bench --no-run"},
		{"cargo bench --bench alloc", "cargo bench --bench alloc --no-run"},
		{"cargo bench --features jemalloc --bench alloc -- --sample-count 5", "cargo bench --features jemalloc --bench alloc --no-run"},
		{"cargo bench filter -- --test", "cargo bench filter --no-run"},
		{"cargo bench --", "cargo bench --no-run"},
		{"/root/.cargo/bin/cargo bench -p x", "/root/.cargo/bin/cargo bench -p x --no-run"},
		{"cargo +nightly bench", "cargo +nightly bench --no-run"},
		{"cargo +1.80 -q --locked bench", "cargo +1.80 -q --locked bench --no-run"},
		{"cargo --color never --config build.jobs=2 -Z unstable-options -C sub bench", "cargo --color never --config build.jobs=2 -Z unstable-options -C sub bench --no-run"},
		{"cargo --color=never --config=a=b -Zflag -Csub -vv bench", "cargo --color=never --config=a=b -Zflag -Csub -vv bench --no-run"},
		// Harness arguments after -- that look like cargo's own are the
		// harness's.
		{"cargo bench -- --no-run", "cargo bench --no-run"},
		{"cargo bench -- --help", "cargo bench --no-run"},

		// No step: another subcommand, a build only, help, an alias, an
		// unknown global option whose value could be the subcommand,
		// another program, a shell line.
		{"cargo build", ""},
		{"cargo test --benches", ""},
		{"cargo bench --no-run", ""},
		{"cargo bench --help", ""},
		{"cargo bench -h", ""},
		{"cargo criterion", ""},
		{"cargo b", ""},
		{"cargo --unknown x bench", ""},
		{"cargo +nightly", ""},
		{"cargo", ""},
		{"cargo-bench bench", ""},
		{"cargo.sh bench", ""},
		{"cargo --color", ""},
		{"/bin/sh -c cargo bench", ""},
		{"env cargo bench", ""},
	} {
		got := Step(strings.Fields(c.argv))
		var want []string
		if c.want != "" {
			want = strings.Fields(c.want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Step(%q) = %q, want %q", c.argv, got, want)
		}
	}
}

// TestStepLeavesArgvAlone guards the command itself: the step is a copy.
func TestStepLeavesArgvAlone(t *testing.T) {
	argv := []string{"cargo", "bench", "--", "--test", "x"}
	Step(argv[:2:5])
	if want := []string{"cargo", "bench", "--", "--test", "x"}; !reflect.DeepEqual(argv, want) {
		t.Fatalf("argv changed to %q", argv)
	}
}

// run runs script as a build step in dir, with a 10s timeout that only
// catches a hang unless timeout says otherwise. Its stdout and stderr are
// files, as the runner's are.
func run(t *testing.T, dir, script string, timeout time.Duration, signals chan os.Signal) (Result, string, string) {
	t.Helper()
	stdout, stderr := tempFile(t), tempFile(t)
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	res := Run(Spec{
		Argv: []string{"/bin/sh", "-c", script}, Dir: dir, Env: []string{"PATH=/usr/bin:/bin", "STEP_VAR=from-env"},
		Stdout: stdout, Stderr: stderr,
		Stop: terminate.Options{Target: "t", Signals: signals, Timeout: timeout, KillAfter: time.Second},
	})
	return res, contents(t, stdout), contents(t, stderr)
}

func tempFile(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func contents(t *testing.T, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunSucceeds(t *testing.T) {
	dir := t.TempDir()
	res, stdout, stderr := run(t, dir, `echo "out $STEP_VAR"; echo err >&2; pwd > where; read line < /dev/stdin; echo "stdin:$line"`, 0, nil)
	if res.Err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: %v, exit %d", res.Err, res.ExitCode)
	}
	if stdout != "out from-env\nstdin:\n" || stderr != "err\n" {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	where, err := os.ReadFile(filepath.Join(dir, "where"))
	if err != nil || strings.TrimSpace(string(where)) != dir {
		t.Errorf("ran in %q (%v), want %s", where, err, dir)
	}
}

// TestRunFails: a failing step's status and a message naming the step, and
// nothing it started left running.
func TestRunFails(t *testing.T) {
	dir := t.TempDir()
	res, _, stderr := run(t, dir, `sleep 1000 & echo $! > child; echo "error: could not compile" >&2; exit 101`, 0, nil)
	if res.ExitCode != 101 {
		t.Errorf("exit code %d, want 101", res.ExitCode)
	}
	want := "build step `/bin/sh -c 'sleep 1000 & echo $! > child; echo \"error: could not compile\" >&2; exit 101'` failed: exit status 101"
	if res.Err == nil || res.Err.Error() != want {
		t.Errorf("error %v, want %s", res.Err, want)
	}
	if stderr != "error: could not compile\n" {
		t.Errorf("stderr %q", stderr)
	}
	assertGone(t, filepath.Join(dir, "child"))
}

func TestRunKilledBySignal(t *testing.T) {
	res, _, _ := run(t, t.TempDir(), `kill -KILL $$`, 0, nil)
	if res.ExitCode != 137 || res.Err == nil || !strings.HasSuffix(res.Err.Error(), "failed: killed by signal SIGKILL") {
		t.Errorf("exit code %d, error %v", res.ExitCode, res.Err)
	}
}

func TestRunTimesOut(t *testing.T) {
	dir := t.TempDir()
	res, _, _ := run(t, dir, `sleep 1000 & echo $! > child; wait`, 200*time.Millisecond, nil)
	if res.ExitCode != 124 || !res.Outcome.TimedOut {
		t.Errorf("exit code %d, outcome %+v", res.ExitCode, res.Outcome)
	}
	if res.Err == nil || !strings.HasSuffix(res.Err.Error(), "timed out after 200ms") {
		t.Errorf("error %v", res.Err)
	}
	assertGone(t, filepath.Join(dir, "child"))
}

// TestRunInterrupted: a signal to the runner is passed on to the step's
// group, and the step's result says so.
func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	signals := make(chan os.Signal, 1)
	go func() {
		for !exists(filepath.Join(dir, "child")) {
			time.Sleep(10 * time.Millisecond)
		}
		signals <- syscall.SIGTERM
	}()
	res, _, _ := run(t, dir, `sleep 1000 & echo $! > child.tmp; mv child.tmp child; wait`, 0, signals)
	if res.Outcome.Interrupted != syscall.SIGTERM || res.ExitCode != 128+int(syscall.SIGTERM) {
		t.Errorf("exit code %d, outcome %+v", res.ExitCode, res.Outcome)
	}
	if res.Err == nil || !strings.HasSuffix(res.Err.Error(), "interrupted: killed by signal SIGTERM") {
		t.Errorf("error %v", res.Err)
	}
	assertGone(t, filepath.Join(dir, "child"))
}

func TestRunMissingProgram(t *testing.T) {
	out := tempFile(t)
	res := Run(Spec{Argv: []string{"/nonexistent/cargo", "bench", "--no-run"}, Dir: t.TempDir(), Stdout: out, Stderr: out,
		Stop: terminate.Options{KillAfter: time.Second}})
	if res.ExitCode != 127 || res.Err == nil || !strings.HasPrefix(res.Err.Error(), "build step `/nonexistent/cargo bench --no-run`: start command: ") {
		t.Errorf("exit code %d, error %v", res.ExitCode, res.Err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// assertGone fails unless the process whose pid the file holds has exited
// (and been reaped, or is a zombie) within a few seconds.
func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := procstat.Read(pid)
		if errors.Is(err, os.ErrNotExist) || err == nil && stat.Dead() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d, started by the step, still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
