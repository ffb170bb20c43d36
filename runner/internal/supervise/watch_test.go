package supervise

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/procstat"
)

// runnerVar makes the test binary play a runner: it starts a watcher and a
// held command, prints the command's pid, and tells the watcher about the
// command only if the variable says "report". Then it waits to be killed,
// or with "close", ends normally.
const runnerVar = "MEMTALLY_SUPERVISE_RUNNER"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Subcommand {
		if err := Main(os.Args[2:], os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if mode := os.Getenv(runnerVar); mode != "" {
		if err := playRunner(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func playRunner(mode string) error {
	sup, err := Start(os.Args[0], "", os.Stderr)
	if err != nil {
		return err
	}
	// Held as the runner holds commands, but deaf to the SIGHUP the
	// kernel sends a stopped group orphaned by its parent's death: the
	// real runner's children are orphaned only at the end of its long
	// exit, so the watcher must not rely on it.
	cmd := exec.Command("/bin/sh", "-c", `trap '' HUP; kill -STOP $$; exec sleep 100`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := launch.WaitStopped(cmd.Process.Pid); err != nil {
		return err
	}
	if mode == "report" {
		if err := sup.Target(Tree{PGID: cmd.Process.Pid}); err != nil {
			return err
		}
	}
	fmt.Println(cmd.Process.Pid, watcherPID())
	if mode == "close" {
		cmd.Process.Kill()
		cmd.Wait()
		return sup.Close()
	}
	for {
		time.Sleep(time.Hour)
	}
}

// watcherPID finds this process's child running the watcher.
func watcherPID() int {
	for pid, st := range allStats() {
		if st.PPID == os.Getpid() && st.PGID == pid {
			if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); strings.Contains(string(cmdline), Subcommand) {
				return pid
			}
		}
	}
	return 0
}

func allStats() map[int]procstat.Stat {
	out := map[int]procstat.Stat{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if st, err := procstat.Read(pid); err == nil {
				out[pid] = st
			}
		}
	}
	return out
}

// startRunner starts a pretend runner and returns it with the pids of its
// held command and of its watcher. mode "report" reports the command to
// the watcher, and "close" ends the run normally.
func startRunner(t *testing.T, mode string) (*exec.Cmd, int, int) {
	t.Helper()
	r := exec.Command(os.Args[0])
	r.Env = append(os.Environ(), runnerVar+"="+mode)
	r.Stderr = os.Stderr
	out, err := r.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Process.Kill(); r.Wait() })
	var command, watcher int
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, serr := fmt.Sscan(line, &command, &watcher); err != nil || serr != nil || watcher == 0 {
		t.Fatalf("read the pretend runner's pids from %q: %v %v", line, err, serr)
	}
	return r, command, watcher
}

// gone waits until pid is dead (a zombie is), or fails after 10 seconds.
func waitGone(t *testing.T, what string, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := procstat.Read(pid)
		if err != nil || st.Dead() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s (pid %d) still alive 10s after the runner was killed", what, pid)
}

// A command the runner started but had not reported yet when it died is
// found as the runner's child that leads a process group. (It stays the
// runner's child until the end of the runner's slow exit; a pretend
// runner exits too fast to show that, so the finding is tested here.)
func TestWatcherFindsUnreportedCommand(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	other := exec.Command("sleep", "100")
	for _, c := range []*exec.Cmd{cmd, other} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { c.Process.Kill(); c.Wait() }()
	}
	w := &watcher{pid: os.Getpid()}
	found := w.commands()
	if len(found) != 1 || found[0].pid != cmd.Process.Pid {
		t.Fatalf("found %v, want only the command, pid %d", found, cmd.Process.Pid)
	}
}

// A reported command is killed through its process group.
func TestWatcherKillsReportedCommand(t *testing.T) {
	r, command, watcher := startRunner(t, "report")
	if err := r.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, "the held command", command)
	waitGone(t, "the watcher", watcher)
}

// When the runner ends normally, the watcher exits before it and leaves
// its command alone: the runner has dealt with it.
func TestWatcherExitsWithRunner(t *testing.T) {
	r, _, watcher := startRunner(t, "close")
	if err := r.Wait(); err != nil {
		t.Fatalf("pretend runner: %v", err)
	}
	if _, err := procstat.Read(watcher); err == nil {
		t.Errorf("the watcher (pid %d) outlived the runner's normal end", watcher)
	}
}
