package capture

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestScopedWindow runs scoped.c, whose benchmark process is neither the
// tree's root nor alone in it: a sibling calls malloc and free without
// pause throughout. A window scoped to the benchmark process counts its
// allocations, its earlier child's and those of a child it forks inside,
// exactly, and none of the sibling's; the same window over the whole tree
// counts the sibling's calls too.
func TestScopedWindow(t *testing.T) {
	bin := build(t, "scoped", "scoped.c")
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) {
			tr := newTracerKind(t, kind)
			m := runScoped(t, tr, bin, true)
			checkMetrics(t, m, want{AllocCount: 18, TotalBytes: 290, FreeCount: 3, PeakBytes: 290, LeakedCount: 15, LeakedBytes: 200})
			whole := runScoped(t, tr, bin, false)
			if whole.AllocCount <= 18 {
				t.Errorf("the whole tree's window counted %d allocations: the sibling's calls are missing, and the test proves nothing", whole.AllocCount)
			}
		})
	}
}

// runScoped runs scoped.c and measures its one window, scoped to its
// benchmark process or over the whole tree.
func runScoped(t *testing.T, tr *Tracer, bin string, scoped bool) Metrics {
	t.Helper()
	held, toTest, fromTest := startEdged(t, tr, bin)
	begin := make([]byte, 5)
	if _, err := toTest.Read(begin); err != nil {
		t.Fatalf("read edge: %v", err)
	}
	pid := int(int32(binary.NativeEndian.Uint32(begin[1:])))
	openWindow := tr.Begin
	if scoped {
		openWindow = func() error { return tr.BeginIn(pid) }
	}
	if err := openWindow(); err != nil {
		t.Fatalf("begin: %v", err)
	}
	// The sibling's calls run through the window.
	time.Sleep(20 * time.Millisecond)
	if _, err := fromTest.Write([]byte{'a'}); err != nil {
		t.Fatal(err)
	}
	if _, err := toTest.Read(begin[:1]); err != nil {
		t.Fatalf("read edge: %v", err)
	}
	m, err := tr.End()
	if err != nil {
		t.Fatalf("end: %v", err)
	}
	if _, err := fromTest.Write([]byte{'a'}); err != nil {
		t.Fatal(err)
	}
	if err := held.Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.TreeExited():
	case <-time.After(10 * time.Second):
		t.Fatal("the tree was not found gone")
	}
	return m
}
