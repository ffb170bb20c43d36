package results

import (
	"fmt"
	"strings"

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

// SetMemory records a window's measurements, marking the benchmark
// incomplete when the numbers cannot be trusted: events were lost, or part
// of the tree allocated where no probe could see it.
func (b *Benchmark) SetMemory(m capture.Metrics) {
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
	if m.DroppedEvents > 0 {
		b.Incomplete(fmt.Sprintf("%d allocation events dropped", m.DroppedEvents))
	}
	if len(unprobed) > 0 {
		b.Incomplete("allocations not visible in " + strings.Join(unprobed, "; "))
	}
}
