package runner_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// cmdKillRunner SIGKILLs the one background runner of the script and
// requires what a dead runner promises of the processes it started (its
// command's tree and its supervisor, as found in /proc just before the
// kill, and every process they fork afterwards): within STOPPED none is
// stopped (state T), within GONE none is alive (a zombie is dead), and
// the runner's cgroups are gone by then.
//
// With -supervisor-too, it kills the runner's supervisor first, so that
// nobody cleans up, and then cleans up itself instead of checking.
//
// usage: killrunner STOPPED GONE | killrunner -supervisor-too
func cmdKillRunner(ts *testscript.TestScript, neg bool, args []string) {
	both := len(args) == 1 && args[0] == "-supervisor-too"
	if neg || (len(args) != 2 && !both) {
		ts.Fatalf("usage: killrunner STOPPED GONE | killrunner -supervisor-too")
	}
	var stoppedBy, goneBy time.Duration
	if !both {
		var err error
		stoppedBy, err = time.ParseDuration(args[0])
		ts.Check(err)
		goneBy, err = time.ParseDuration(args[1])
		ts.Check(err)
	}
	var runner int
	live := readProcs()
	for _, cmd := range ts.BackgroundCmds() {
		// ProcessState belongs to testscript's waiting goroutine: /proc
		// says which runner still runs.
		if p, ok := live[cmd.Process.Pid]; filepath.Base(cmd.Args[0]) == "runner" && ok && p.state != 'Z' {
			if runner != 0 {
				ts.Fatalf("more than one runner in the background")
			}
			runner = cmd.Process.Pid
		}
	}
	if runner == 0 {
		ts.Fatalf("no runner in the background")
	}

	procs := readProcs()
	tree := map[int]proc{}
	for _, p := range descendants(procs, runner) {
		tree[p.pid] = p
	}
	if len(tree) == 0 {
		ts.Fatalf("the runner has no child processes")
	}
	if both {
		killBoth(ts, runner, tree)
		return
	}
	ts.Check(unix.Kill(runner, unix.SIGKILL))
	killed := time.Now()
	fmt.Fprintf(ts.Stdout(), "killed the runner with %d processes below it\n", len(tree)/100*100)

	var noneStopped, noneAlive time.Duration = -1, -1
	for time.Since(killed) < goneBy+time.Second {
		since := time.Since(killed)
		procs := readProcs()
		// Whatever the tree forks counts too.
		for _, p := range procs {
			if _, ok := tree[p.ppid]; ok {
				if _, known := tree[p.pid]; !known {
					tree[p.pid] = p
				}
			}
		}
		stopped, alive := 0, 0
		for pid, was := range tree {
			now, ok := procs[pid]
			if !ok || now.start != was.start || now.state == 'Z' || now.state == 'X' {
				continue
			}
			alive++
			if now.state == 'T' || now.state == 't' {
				stopped++
			}
		}
		if stopped == 0 && noneStopped < 0 {
			noneStopped = since
		}
		if stopped > 0 {
			noneStopped = -1
		}
		if alive == 0 {
			noneAlive = since
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Logf("after the kill: none stopped after %v, none alive after %v (of %d processes)", noneStopped, noneAlive, len(tree))
	if noneStopped < 0 || noneStopped > stoppedBy {
		ts.Fatalf("processes of the tree were still stopped %v after the kill", stoppedBy)
	}
	if noneAlive < 0 || noneAlive > goneBy {
		ts.Fatalf("processes of the tree were still alive %v after the kill", goneBy)
	}
	for {
		left := runnerCgroups(runner)
		if len(left) == 0 {
			break
		}
		if time.Since(killed) > goneBy {
			ts.Fatalf("cgroups left %v after the kill: %s", goneBy, strings.Join(left, " "))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runnerCgroups lists the cgroups the runner pid made for its commands,
// wherever the cgroup2 hierarchy is mounted under /sys/fs/cgroup.
func runnerCgroups(pid int) []string {
	var out []string
	prefix := fmt.Sprintf("memtally-%d-", pid)
	filepath.WalkDir("/sys/fs/cgroup", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), prefix) {
			out = append(out, path)
		}
		if strings.Count(path, "/") > 6 {
			return filepath.SkipDir
		}
		return nil
	})
	return out
}

type proc struct {
	pid, ppid int
	state     byte
	start     string
}

func readProcs() map[int]proc {
	out := map[int]proc{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(data, ')')
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 20 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out[pid] = proc{pid: pid, ppid: ppid, state: f[0][0], start: f[19]}
	}
	return out
}

func descendants(procs map[int]proc, root int) []proc {
	children := map[int][]int{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	var out []proc
	queue := children[root]
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		out = append(out, procs[pid])
		queue = append(queue, children[pid]...)
	}
	return out
}

// killBoth kills the supervisor below runner, then runner, then the
// command's tree and cgroups, which nobody is left to clean up.
func killBoth(ts *testscript.TestScript, runner int, tree map[int]proc) {
	supervisor := 0
	for pid, p := range tree {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if p.ppid == runner && strings.Contains(string(cmdline), "__supervise") {
			supervisor = pid
		}
	}
	if supervisor == 0 {
		ts.Fatalf("no supervisor below the runner")
	}
	ts.Check(unix.Kill(supervisor, unix.SIGKILL))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if p, ok := readProcs()[supervisor]; !ok || p.state == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the supervisor survived SIGKILL")
		}
	}
	ts.Check(unix.Kill(runner, unix.SIGKILL))
	fmt.Fprintln(ts.Stdout(), "killed the supervisor and the runner")
	for _, dir := range runnerCgroups(runner) {
		os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		procs := readProcs()
		alive := 0
		for pid, was := range tree {
			if now, ok := procs[pid]; ok && now.start == was.start && now.state != 'Z' {
				alive++
				unix.Kill(pid, unix.SIGKILL)
			}
		}
		for _, p := range procs {
			if _, ok := tree[p.ppid]; ok {
				if _, known := tree[p.pid]; !known {
					tree[p.pid] = p
					alive++
				}
			}
		}
		if alive == 0 {
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("could not clean up after the runner")
		}
	}
	for _, dir := range runnerCgroups(runner) {
		for deadline := time.Now().Add(10 * time.Second); unix.Rmdir(dir) != nil; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				ts.Fatalf("remove %s: still busy", dir)
			}
		}
	}
}
