package capture

import (
	"testing"

	"memtally.dev/runner/internal/noalloc"
)

// TestNoAllocatorSibling runs a stripped static Go program, as esbuild
// ships, beside a C program that allocates: the Go program is recorded as
// running no allocator, nothing is unprobed, and the numbers are exactly
// the C program's (malloc_free.c).
func TestNoAllocatorSibling(t *testing.T) {
	tr := newTracer(t)
	goProg := built.BuildGo(t, "go_nomalloc_stripped", "go_nomalloc", []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags=-s -w")
	m := runExecTarget(t, tr, build(t, "siblings", "siblings.c"), goProg, build(t, "malloc_free", "malloc_free.c"))
	if len(m.Unprobed) != 0 {
		t.Errorf("unprobed %+v, want none", m.Unprobed)
	}
	want := []NoAllocator{{Path: goProg, Reason: noalloc.ReasonGo}}
	if len(m.NoAllocator) != 1 || m.NoAllocator[0] != want[0] {
		t.Errorf("no allocator %+v, want %+v", m.NoAllocator, want)
	}
	if m.AllocCount != 1001 || m.TotalBytes != 500600 || m.FreeCount != 1000 || m.PeakBytes != 1100 || m.LeakedBytes != 100 {
		t.Errorf("metrics %+v, want malloc_free's alone", m.Metrics)
	}
}

// TestStaticCgoUnprobed checks that a stripped static Go program built
// with cgo, which carries libc's malloc, stays unprobed.
func TestStaticCgoUnprobed(t *testing.T) {
	tr := newTracer(t)
	bin := built.BuildGo(t, "go_cgo_static_stripped", "go_cgo", []string{"CGO_ENABLED=1"},
		"-ldflags=-s -w -linkmode=external -extldflags=-static")
	m := runExecTarget(t, tr, bin)
	if len(m.NoAllocator) != 0 {
		t.Errorf("no allocator %+v, want none", m.NoAllocator)
	}
	if len(m.Unprobed) != 1 || m.Unprobed[0].Path != bin {
		t.Errorf("unprobed %+v, want %s", m.Unprobed, bin)
	}
}
