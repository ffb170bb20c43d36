package results

import (
	"fmt"
	"strings"

	"memtally.dev/protocol"
	"memtally.dev/runner/internal/capture"
)

// Memory is what a benchmark's window allocated. docs/metrics.md defines
// each number.
type Memory struct {
	AllocCount     uint64          `json:"alloc_count"`
	TotalBytes     uint64          `json:"total_bytes"`
	AvgAllocBytes  float64         `json:"avg_alloc_bytes"`
	FreeCount      uint64          `json:"free_count"`
	PeakBytes      uint64          `json:"peak_bytes"`
	LeakedCount    uint64          `json:"leaked_count"`
	LeakedBytes    uint64          `json:"leaked_bytes"`
	UntrackedFrees uint64          `json:"untracked_frees"`
	DroppedEvents  uint64          `json:"dropped_events"`
	Timeline       []TimelinePoint `json:"timeline"`
	Allocators     []Allocator     `json:"allocators"`
	Unprobed       []Unprobed      `json:"unprobed,omitempty"`
	NoAllocator    []NoAllocator   `json:"no_allocator,omitempty"`
}

// TimelinePoint is the live heap at a moment of the window.
type TimelinePoint struct {
	// TNS is nanoseconds since the window opened.
	TNS       uint64 `json:"t_ns"`
	LiveBytes uint64 `json:"live_bytes"`
}

// Allocator is a binary whose allocator functions were probed.
type Allocator struct {
	Path     string   `json:"path"`
	Families []string `json:"families"`
	Symbols  int      `json:"symbols"`
}

// Unprobed is an executable of the process tree whose allocations could
// not be seen, and why.
type Unprobed struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// NoAllocator is an executable of the process tree that runs no
// malloc-family allocator, so that the probes miss nothing in it, and the
// evidence for it.
type NoAllocator struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// SetMemory records a window's measurements, marking the benchmark
// incomplete when the numbers cannot be trusted: events were lost, or an
// allocator present in the tree could not be probed. An executable that
// runs no allocator is noted, and leaves the benchmark ok. The window's bounds
// become the moments counting started and stopped, which every point of
// the timeline lies between.
func (b *Benchmark) SetMemory(m capture.Metrics) {
	b.StartNS, b.StopNS = m.StartNS, m.StopNS
	b.Memory = Memory{
		AllocCount:     m.AllocCount,
		TotalBytes:     m.TotalBytes,
		AvgAllocBytes:  m.AvgAllocBytes,
		FreeCount:      m.FreeCount,
		PeakBytes:      m.PeakBytes,
		LeakedCount:    m.LeakedCount,
		LeakedBytes:    m.LeakedBytes,
		UntrackedFrees: m.UntrackedFrees,
		DroppedEvents:  m.DroppedEvents,
		Timeline:       make([]TimelinePoint, len(m.Timeline)),
		Allocators:     make([]Allocator, len(m.Allocators)),
	}
	for i, p := range m.Timeline {
		b.Timeline[i] = TimelinePoint{TNS: p.Nanos, LiveBytes: p.LiveBytes}
	}
	for i, a := range m.Allocators {
		b.Allocators[i] = Allocator{Path: a.Path, Families: a.Families, Symbols: a.Symbols}
	}
	var unprobed []string
	for _, u := range m.Unprobed {
		b.Unprobed = append(b.Unprobed, Unprobed{Path: u.Path, Reason: u.Reason})
		unprobed = append(unprobed, u.Path+": "+u.Reason)
	}
	for _, n := range m.NoAllocator {
		b.NoAllocator = append(b.NoAllocator, NoAllocator{Path: n.Path, Reason: n.Reason})
	}
	if m.DroppedEvents > 0 {
		b.Incomplete(fmt.Sprintf("%d allocation events dropped", m.DroppedEvents))
	}
	if len(unprobed) > 0 {
		b.Incomplete("allocations not visible in " + strings.Join(unprobed, "; "))
	}
}

// JSHeap is the V8 heap around a benchmark's run, as a JS integration
// measured it: V8 allocates JavaScript objects in pages it maps itself,
// which the malloc probes never see. Sizes are bytes.
type JSHeap struct {
	GCForced        bool   `json:"gc_forced"`
	UsedBeforeBytes uint64 `json:"used_before_bytes"`
	UsedAfterBytes  uint64 `json:"used_after_bytes"`
	// DeltaBytes is negative when a GC during the run freed more than the
	// run left behind.
	DeltaBytes     int64  `json:"delta_bytes"`
	PeakBytes      uint64 `json:"peak_bytes"`
	PeakDeltaBytes int64  `json:"peak_delta_bytes"`
	// RetainedBytes is what the run left reachable: the used heap after a
	// forced GC, minus UsedBeforeBytes. Nil unless GCForced.
	RetainedBytes *int64 `json:"retained_bytes"`
	GCCount       uint32 `json:"gc_count"`
}

// FromJSHeap turns a js_heap report into its results form.
func FromJSHeap(m protocol.JSHeap) *JSHeap {
	h := &JSHeap{
		GCForced:        m.GCForced != 0,
		UsedBeforeBytes: m.UsedBefore,
		UsedAfterBytes:  m.UsedAfter,
		DeltaBytes:      int64(m.UsedAfter) - int64(m.UsedBefore),
		PeakBytes:       m.Peak,
		PeakDeltaBytes:  int64(m.Peak) - int64(m.UsedBefore),
		GCCount:         m.GCCount,
	}
	if h.GCForced {
		retained := int64(m.RetainedAfter) - int64(m.UsedBefore)
		h.RetainedBytes = &retained
	}
	return h
}
