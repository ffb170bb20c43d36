package capture

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
)

// TestProbedAtBegin runs prewindow.c, whose workers fork, dlopen mimalloc
// and allocate outside windows (before the first, and between the two),
// while nothing is held, then allocate with both allocators in a window:
// Begin finds each worker and its libraries, and each window counts
// exactly what the fixture's comment derives, with either kind of probes.
func TestProbedAtBegin(t *testing.T) {
	bin := build(t, "prewindow", "prewindow.c", "-ldl")
	w := want{AllocCount: 10, TotalBytes: 550, PeakBytes: 550, LeakedCount: 10, LeakedBytes: 550}
	for _, kind := range probeKinds {
		t.Run(string(kind), func(t *testing.T) {
			tr := newTracerKind(t, kind)
			for i, m := range runWindowed(t, tr, 2, bin) {
				checkMetrics(t, m, w)
				found := false
				for _, a := range m.Allocators {
					found = found || strings.Contains(a.Path, "libmimalloc")
				}
				if !found {
					t.Errorf("window %d: allocators %+v do not include libmimalloc", i, m.Allocators)
				}
			}
		})
	}
}

// TestNothingProbedBeforeWindow follows a process and lets it run: until a
// window is opened, it has no probes and no process of the tree is held.
func TestNothingProbedBeforeWindow(t *testing.T) {
	tr := newTracer(t)
	cmd := startHeld(t, build(t, "hog", "hog.c"))
	pid := cmd.Process.Pid
	if err := tr.Follow(pid); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// Once hog runs its loop, with libc mapped. The executable is read
	// first: maps read before it could still be the shell's, with its
	// libc, from before the exec.
	deadline := time.Now().Add(10 * time.Second)
	for {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		if strings.Contains(string(maps), "libc.so") && strings.HasSuffix(exe, "/hog") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("hog did not start")
		}
		time.Sleep(time.Millisecond)
	}
	if n := linksOf(tr, pid); n != 0 {
		t.Errorf("%d links before the first window, want 0", n)
	}
	if err := tr.Begin(); err != nil {
		t.Fatal(err)
	}
	// libc's entries and returns, and the loader's hook.
	if n := linksOf(tr, pid); n != 3 {
		t.Errorf("%d links in the window, want 3", n)
	}
	if _, err := tr.End(); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	select {
	case <-tr.TreeExited():
	case <-time.After(10 * time.Second):
		t.Fatal("tree did not exit")
	}
}

func linksOf(tr *Tracer, pid int) int {
	tr.mu.Lock()
	p := tr.procs[uint32(pid)]
	tr.mu.Unlock()
	if p == nil {
		return -1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// TestUnrelatedCode reads glibc's allocator code from a process outside
// the tree while the tree is probed. With probes per process, or per
// library on the tree's private copies, its code is untouched. Shared probes put their breakpoints in every process that maps
// libc: the documented cost of that option, which valgrind's tools, among
// others, do not survive.
func TestUnrelatedCode(t *testing.T) {
	reader := build(t, "codebytes", "codebytes.c", "-ldl")
	read := func() string {
		out, err := exec.Command(reader).Output()
		if err != nil {
			t.Fatalf("codebytes: %v", err)
		}
		return string(out)
	}
	before := read()
	for _, kind := range probeKinds {
		isShared := kind == shared
		tr := newTracerKind(t, kind)
		cmd := startHeldFor(t, tr, build(t, "hog", "hog.c"))
		if err := tr.Follow(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
			t.Fatal(err)
		}
		if err := tr.Begin(); err != nil {
			t.Fatal(err)
		}
		during := read()
		// The shell held at its exec may not have mapped the program's
		// libc yet when Begin returns: its probes then come with the
		// loader's stop, a moment later.
		for deadline := time.Now().Add(10 * time.Second); isShared && during == before && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			during = read()
		}
		if _, err := tr.End(); err != nil {
			t.Fatal(err)
		}
		cmd.Process.Kill()
		cmd.Wait()
		tr.Close()
		after := read()
		if after != before {
			t.Errorf("%s: libc's code after Close:\n%s\nbefore:\n%s", kind, after, before)
		}
		switch {
		case !isShared && during != before:
			t.Errorf("%s probes changed an unrelated process's code:\n%s\nbefore:\n%s", kind, during, before)
		case isShared && !onlyBreakpointsAdded(before, during):
			t.Errorf("shared probes did not put breakpoints, and nothing else, in an unrelated process's code:\n%s\nbefore:\n%s", during, before)
		}
	}
}

// onlyBreakpointsAdded reports whether the dump during differs from before
// in at least one byte, and every byte that differs is a breakpoint (cc).
func onlyBreakpointsAdded(before, during string) bool {
	b, d := strings.Fields(before), strings.Fields(during)
	if len(b) != len(d) {
		return false
	}
	changed := 0
	for i := range b {
		if b[i] != d[i] {
			if d[i] != "cc" {
				return false
			}
			changed++
		}
	}
	return changed > 0
}

// TestWindowsDuringForkStorm opens and closes windows while the tree forks
// short-lived children one after another, so that Begin scans processes
// that exit under it: every child is counted in the window it ran in or
// in none, nothing is lost, and the tree is found gone once the last
// process exits.
func TestWindowsDuringForkStorm(t *testing.T) {
	for _, kind := range probeKinds {
		t.Run(string(kind), func(t *testing.T) { windowsDuringForkStorm(t, newTracerKind(t, kind)) })
	}
}

func windowsDuringForkStorm(t *testing.T, tr *Tracer) {
	cmd := startHeldFor(t, tr, build(t, "forkrate", "forkrate.c"), "1000", "serial")
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var allocs, frees uint64
	for done := false; !done; {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("forkrate: %v", err)
			}
			done = true
		default:
		}
		if err := tr.Begin(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		m, err := tr.End()
		if err != nil {
			t.Fatal(err)
		}
		if m.DroppedEvents != 0 {
			t.Fatalf("a window dropped %d events", m.DroppedEvents)
		}
		allocs += m.AllocCount
		frees += m.FreeCount
	}
	select {
	case <-tr.TreeExited():
	case <-time.After(10 * time.Second):
		t.Fatal("the tree was not found gone 10 s after its last process exited")
	}
	// Each child mallocs 16 bytes and frees them; a window sees both, or
	// the free alone (untracked), or neither, and never more.
	if allocs > 1001 || frees > 1000 {
		t.Errorf("%d allocations and %d frees counted for 1,000 children", allocs, frees)
	}
	if frees == 0 {
		t.Error("no child was counted in any window")
	}
}

// TestProbedWhileRunning follows a tree of one process that calls malloc
// and free in a loop (hog), one tree after another with one Tracer, and
// opens a window at a varying moment after resuming it: before its exec,
// in the middle of it, while its loader maps libc, or in its loop. Every
// window counts the loop's calls, with either kind of probes. Shared
// links attached again right after the previous tree's were closed were
// measured missing the process for good in about one tree in ten.
func TestProbedWhileRunning(t *testing.T) {
	hog := build(t, "hog", "hog.c")
	const trees = 40
	for _, kind := range probeKinds {
		t.Run(string(kind), func(t *testing.T) {
			tr := newTracerKind(t, kind)
			for i := range trees {
				cmd := startHeldFor(t, tr, hog)
				followAndResume(t, tr, cmd)
				time.Sleep(time.Duration(i%20) * 50 * time.Microsecond)
				if err := tr.Begin(); err != nil {
					t.Fatal(err)
				}
				// Held at its exec and its loader's hooks meanwhile, hog
				// reaches its loop a moment later: windows of 20 ms until
				// one counts, for a few seconds.
				var m Metrics
				for deadline := time.Now().Add(5 * time.Second); ; {
					time.Sleep(20 * time.Millisecond)
					var err error
					if m, err = tr.End(); err != nil {
						t.Fatal(err)
					}
					if m.DroppedEvents != 0 {
						t.Fatalf("tree %d: %d events dropped", i, m.DroppedEvents)
					}
					if m.AllocCount > 0 && m.FreeCount > 0 || time.Now().After(deadline) {
						break
					}
					if err := tr.Begin(); err != nil {
						t.Fatal(err)
					}
				}
				if m.AllocCount == 0 || m.FreeCount == 0 {
					t.Errorf("tree %d: %d allocations and %d frees in the window 5 s after hog started", i, m.AllocCount, m.FreeCount)
				}
				killTree(t, tr, cmd)
			}
		})
	}
}

// TestProbedInLoop opens the first window of a tree whose process already
// runs its malloc and free loop, unprobed: Begin probes it while it runs
// the probed code. Every pair the loop finished between two reads of its
// own counter inside the window is counted, every time, with either kind
// of probes. The counter, not a fixed sleep, says how long the window
// lasts: a loaded machine may not run the loop at all for a while.
func TestProbedInLoop(t *testing.T) {
	hog := build(t, "hogready", "hogready.c")
	const trees = 60
	for _, kind := range probeKinds {
		t.Run(string(kind), func(t *testing.T) {
			tr := newTracerKind(t, kind)
			for i := range trees {
				counter := filepath.Join(t.TempDir(), "pairs")
				if err := os.WriteFile(counter, make([]byte, 8), 0o600); err != nil {
					t.Fatal(err)
				}
				pairs := mapCounter(t, counter)
				cmd := launch.HeldCommand(hog, counter)
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := startFor(tr, cmd); err != nil {
					t.Fatal(err)
				}
				waitStopped(t, cmd.Process.Pid)
				followAndResume(t, tr, cmd)
				if _, err := out.Read(make([]byte, 1)); err != nil {
					t.Fatalf("hogready: %v", err)
				}
				if err := tr.Begin(); err != nil {
					t.Fatal(err)
				}
				// Pairs finished after the first read started after
				// Begin returned, except the one that may have been in
				// flight, and ended before the second read.
				first := pairs()
				for deadline := time.Now().Add(10 * time.Second); pairs() < first+1000 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				last := pairs()
				m, err := tr.End()
				if err != nil {
					t.Fatal(err)
				}
				if last < first+1000 {
					t.Fatalf("tree %d: the loop finished %d pairs in 10 s", i, last-first)
				}
				if m.AllocCount+1 < last-first || m.FreeCount+1 < last-first || m.DroppedEvents != 0 {
					t.Errorf("tree %d: %d allocations, %d frees, %d events dropped in a window where the loop finished %d pairs",
						i, m.AllocCount, m.FreeCount, m.DroppedEvents, last-first)
				}
				killTree(t, tr, cmd)
			}
		})
	}
}

// mapCounter maps the 8-byte counter a fixture increments in the file
// path, and returns a function that reads it.
func mapCounter(t *testing.T, path string) func() uint64 {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem, err := unix.Mmap(int(f.Fd()), 0, 8, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	counter := (*uint64)(unsafe.Pointer(&mem[0]))
	return func() uint64 { return atomic.LoadUint64(counter) }
}

// followAndResume follows cmd, held at its start, and lets it run.
func followAndResume(t *testing.T, tr *Tracer, cmd *exec.Cmd) {
	t.Helper()
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// killTree kills cmd, the tree's only process, and waits until the tracer
// finds the tree gone.
func killTree(t *testing.T, tr *Tracer, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Kill()
	cmd.Wait()
	select {
	case <-tr.TreeExited():
	case <-time.After(10 * time.Second):
		t.Fatal("the tree was not found gone 10 s after its process was killed")
	}
}
