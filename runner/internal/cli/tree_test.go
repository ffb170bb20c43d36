package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/launch"
)

// A command is born in its target's cgroup: none of its processes runs
// outside it, not even for the moment a move would take.
func TestStartBornInCgroup(t *testing.T) {
	_, tg, stderr := guardWithCgroup(t)
	proc := startHeldSleep(t, tg)
	defer tg.abandon()
	if got, want := cgroupOf(t, proc.PID()), tg.cg.Path; !strings.HasSuffix(want, got) || !strings.Contains(got, "memtally-") {
		t.Errorf("command in cgroup %q, want the one at %s", got, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
}

// A cgroup that cannot take the command (here, removed by someone else
// before the start) is dropped, for this target and the next, and the
// command runs all the same, outside it, as it would where no cgroup
// can be had.
func TestStartCgroupRefused(t *testing.T) {
	g, tg, stderr := guardWithCgroup(t)
	path := tg.cg.Path
	if err := unix.Rmdir(path); err != nil {
		t.Fatal(err)
	}
	proc := startHeldSleep(t, tg)
	if tg.cg != nil || tg.dir != nil {
		t.Errorf("the refused cgroup is kept: %v %v", tg.cg, tg.dir)
	}
	if got := cgroupOf(t, proc.PID()); strings.Contains(got, "memtally-") {
		t.Errorf("command in cgroup %q", got)
	}
	want := fmt.Sprintf("runner: no cgroup for the benchmark commands (start in cgroup %s: start command: fork/exec /bin/sh: %v); should the runner die, its supervisor finds a command's processes through its process group and /proc instead\n", path, syscall.ENOENT)
	if stderr.String() != want {
		t.Errorf("stderr:\n%q\nwant\n%q", stderr.String(), want)
	}
	if next := g.prepare(); next.cg != nil {
		next.abandon()
		t.Error("the next target got a cgroup")
	}
}

// guardWithCgroup is a tree guard whose next target has a cgroup of its
// own, and the buffer its warnings go to.
func guardWithCgroup(t *testing.T) (*treeGuard, *guarded, *bytes.Buffer) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("making cgroups needs root here")
	}
	stderr := new(bytes.Buffer)
	g := &treeGuard{stderr: stderr}
	tg := g.prepare()
	if tg.cg == nil {
		t.Fatalf("no cgroup: %v", g.noCgroup)
	}
	return g, tg, stderr
}

func startHeldSleep(t *testing.T, tg *guarded) *launch.Process {
	t.Helper()
	proc, err := tg.start(launch.Spec{Argv: []string{"sleep", "100"}, Held: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proc.SignalGroup(syscall.SIGKILL)
		proc.Resume()
		<-proc.Done()
	})
	return proc
}

// cgroupOf is pid's cgroup2 path, relative to the hierarchy's root.
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path
		}
	}
	t.Fatalf("no cgroup2 line in %q", b)
	return ""
}
