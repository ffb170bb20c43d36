package capture

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// TestPrivateForksUnheld forks 50 children inside a window, whose only
// allocator is libc. On private libraries, libc's probes are per binary,
// so no child is held or probed on its own: the tracer never hears of
// them, yet every one of them is in the tree. Per process, each child is
// held and gets links of its own.
func TestPrivateForksUnheld(t *testing.T) {
	bin := build(t, "forktree", "forktree.c")
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) {
			tr := newTracerKind(t, kind)
			ready := filepath.Join(t.TempDir(), "ready")
			cmd := heldInWindow(t, tr, bin, "50", "0", ready)
			resume(t, cmd)
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("forktree did not fork its children")
				}
			}
			children := childPIDs(t, cmd.Process.Pid)
			t.Cleanup(func() {
				for _, c := range children {
					unix.Kill(c, unix.SIGKILL)
				}
			})
			if len(children) != 50 {
				t.Fatalf("%d children, want 50", len(children))
			}
			// Held children are probed and resumed by the control reader
			// a moment after their fork.
			count := func() (held, own int) {
				for _, c := range children {
					tr.mu.Lock()
					p := tr.procs[uint32(c)]
					tr.mu.Unlock()
					if p != nil {
						held++
						if linksOf(tr, c) > 0 {
							own++
						}
					}
				}
				return held, own
			}
			held, own := count()
			for deadline := time.Now().Add(10 * time.Second); kind == perProcess && own < 50 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				held, own = count()
			}
			for _, c := range children {
				if !tr.InTree(c) {
					t.Errorf("child %d is not in the tree", c)
				}
				if kind == private && stopped(uint32(c)) {
					t.Errorf("child %d is stopped", c)
				}
			}
			switch {
			case kind == private && held != 0:
				t.Errorf("%d of 50 children held on private libraries, want none", held)
			case kind == perProcess && (held != 50 || own != 50):
				t.Errorf("%d of 50 children held and %d with links of their own per process, want all", held, own)
			}
			if _, err := tr.End(); err != nil {
				t.Fatal(err)
			}
			for _, c := range children {
				unix.Kill(c, unix.SIGKILL)
			}
			cmd.Process.Kill()
			cmd.Wait()
			select {
			case <-tr.TreeExited():
			case <-time.After(20 * time.Second):
				t.Fatal("the tree was not found gone 20 s after it was killed")
			}
		})
	}
}

// childPIDs lists the children of pid.
func childPIDs(t *testing.T, pid int) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestPrivateOwnLinksFork runs fork_child built static: its allocator is
// its own, so with private libraries its probes are still per process, and
// its fork must be held for the child's. The child's 20 allocations and 10
// frees are counted as with probes per process. Static glibc's start-up
// blocks, kept to the end, depend on the program's path: the two kinds must
// agree on them, and fork_child's comment gives the rest.
func TestPrivateOwnLinksFork(t *testing.T) {
	bin := build(t, "fork_child_static", "fork_child.c", "-static")
	var byKind []want
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) {
			m := runExecTarget(t, newTracerKind(t, kind), bin)
			g := got(m)
			startAllocs, startBytes := g.LeakedCount-10, g.LeakedBytes-2000
			w := want{AllocCount: 30 + startAllocs, TotalBytes: 5000 + startBytes, FreeCount: 20,
				PeakBytes: 5000 + startBytes, LeakedCount: 10 + startAllocs, LeakedBytes: 2000 + startBytes}
			checkMetrics(t, m, w)
			byKind = append(byKind, g)
		})
	}
	if len(byKind) == 2 && byKind[0] != byKind[1] {
		t.Errorf("per process %+v, on private libraries %+v", byKind[0], byKind[1])
	}
}

// LastTreeDone, once the last tree is gone, detaches the shared probes
// at once, while the window's end is still to be read: the window keeps
// its exact numbers, and no tree is followed after it.
func TestLastTreeDone(t *testing.T) {
	tr := newTracerKind(t, private)
	bin := build(t, "malloc_free", "malloc_free.c")
	cmd := heldInWindow(t, tr, bin)
	resume(t, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	<-tr.TreeExited()
	tr.shared.mu.Lock()
	var links []link.Link
	for _, b := range tr.shared.bins {
		links = append(links, b.links...)
	}
	tr.shared.mu.Unlock()
	if len(links) == 0 {
		t.Fatal("no shared links before LastTreeDone")
	}
	tr.LastTreeDone()
	m, err := tr.End()
	if err != nil {
		t.Fatal(err)
	}
	if m.AllocCount != 1001 || m.TotalBytes != 500600 || m.FreeCount != 1000 || m.PeakBytes != 1100 || m.LeakedBytes != 100 {
		t.Errorf("got %d allocs of %d bytes, %d frees, peak %d, leaked %d; want 1001 of 500600, 1000, 1100, 100",
			m.AllocCount, m.TotalBytes, m.FreeCount, m.PeakBytes, m.LeakedBytes)
	}
	tr.detach.Wait()
	for _, l := range links {
		if _, err := l.Info(); err == nil {
			t.Errorf("link %v still attached", l)
		}
	}
	if err := tr.Follow(os.Getpid()); !errors.Is(err, ErrClosed) {
		t.Errorf("Follow after LastTreeDone: %v, want ErrClosed", err)
	}
}

// While a process of the tree lives, LastTreeDone keeps its probes.
func TestLastTreeDoneTreeAlive(t *testing.T) {
	tr := newTracerKind(t, private)
	cmd := heldInWindow(t, tr, build(t, "malloc_free", "malloc_free.c"))
	tr.LastTreeDone()
	tr.shared.mu.Lock()
	bins := len(tr.shared.bins)
	tr.shared.mu.Unlock()
	if bins == 0 {
		t.Error("the probes of a live tree were detached")
	}
	resume(t, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	m, err := tr.End()
	if err != nil {
		t.Fatal(err)
	}
	if m.AllocCount != 1001 {
		t.Errorf("got %d allocations, want 1001", m.AllocCount)
	}
}
