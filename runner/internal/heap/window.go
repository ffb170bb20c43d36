package heap

// MaxPoints bounds the length of Metrics.Timeline.
const MaxPoints = 1000

// Metrics are the numbers of one window. See the package comment for their
// definitions.
type Metrics struct {
	// StartNS and StopNS are the window's bounds, CLOCK_MONOTONIC
	// nanoseconds: the times given to NewWindow and Finish.
	StartNS, StopNS uint64
	AllocCount      uint64
	TotalBytes      uint64
	FreeCount       uint64
	PeakBytes       uint64
	LeakedCount     uint64
	LeakedBytes     uint64
	UntrackedFrees  uint64
	AvgAllocBytes   float64
	Timeline        []Point
}

// Point is live bytes at a moment of the window.
type Point struct {
	// Nanos is the time since the window began, in nanoseconds.
	Nanos uint64
	// LiveBytes is the live heap right after the event at Nanos.
	LiveBytes uint64
}

type blockKey struct {
	pid  uint32
	addr uint64
}

// Window accumulates the events of one window. The zero value is not
// usable; call NewWindow. A Window is not safe for concurrent use.
type Window struct {
	start uint64
	// last is the latest time the timeline has reached, relative to
	// start: event times may step back a little (see since).
	last uint64
	live uint64
	// blocks maps each process to its live blocks' sizes by address.
	// Keyed by a bare address, a map takes Go's fast path for 64-bit
	// keys; and an exit drops one map.
	blocks map[uint32]map[uint64]uint64
	// cur caches the map of the last process seen: events come in runs
	// from one process.
	curPid uint32
	cur    map[uint64]uint64
	// newest is the last block allocated, kept out of blocks until the
	// next event that needs them: in a benchmark's loop most blocks are
	// freed by the very next event, which then costs no map insertion
	// and deletion.
	newest     blockKey
	newestSize uint64
	hasNewest  bool
	m          Metrics
	tl         timeline
	paused     bool
	// outside holds the blocks of paused regions, so that releasing one
	// later is neither counted nor an untracked free.
	outside map[blockKey]struct{}
}

// NewWindow starts a window at the monotonic time start, in nanoseconds.
// Every event given to the window must be timed between start and the end
// given to Finish, as capture's are; see since for how little their order
// may differ from the events'.
func NewWindow(start uint64) *Window {
	w := &Window{start: start, blocks: make(map[uint32]map[uint64]uint64)}
	w.tl.add(Point{Nanos: 0, LiveBytes: 0})
	return w
}

// Pause stops counting: until Resume, new blocks are not the window's, and
// releasing them, then or later, is not counted. The window's own blocks
// are still released when freed, so a block of the benchmark freed inside
// a paused region neither leaks nor stays live.
func (w *Window) Pause() { w.paused = true }

// Resume counts allocations again after Pause.
func (w *Window) Resume() { w.paused = false }

// Alloc records a new block of size requested bytes at addr in process pid.
func (w *Window) Alloc(ts uint64, pid uint32, addr, size uint64) {
	if w.paused {
		if w.outside == nil {
			w.outside = make(map[blockKey]struct{})
		}
		w.outside[blockKey{pid, addr}] = struct{}{}
		return
	}
	// The allocator may hand out an address the window believes is
	// live, when its release happened where no probe could see it.
	// Dropping the old block keeps live bytes true; it is neither a
	// counted free nor a leak.
	k := blockKey{pid, addr}
	if w.hasNewest && w.newest == k {
		w.live -= w.newestSize
	} else {
		w.settle()
		blocks := w.process(pid)
		if old, ok := blocks[addr]; ok {
			w.live -= old
			delete(blocks, addr)
		}
	}
	w.newest, w.newestSize, w.hasNewest = k, size, true
	w.m.AllocCount++
	w.m.TotalBytes += size
	w.live += size
	w.record(ts)
}

// Free records the release of the block at addr in process pid. A NULL
// address is not a release.
func (w *Window) Free(ts uint64, pid uint32, addr uint64) {
	if addr == 0 {
		return
	}
	w.release(pid, addr)
	w.record(ts)
}

// process returns the live blocks of process pid.
func (w *Window) process(pid uint32) map[uint64]uint64 {
	if w.cur != nil && w.curPid == pid {
		return w.cur
	}
	blocks, ok := w.blocks[pid]
	if !ok {
		blocks = make(map[uint64]uint64)
		w.blocks[pid] = blocks
	}
	w.curPid, w.cur = pid, blocks
	return blocks
}

// settle puts the newest block with the others.
func (w *Window) settle() {
	if w.hasNewest {
		w.process(w.newest.pid)[w.newest.addr] = w.newestSize
		w.hasNewest = false
	}
}

func (w *Window) release(pid uint32, addr uint64) {
	if w.hasNewest && w.newest == (blockKey{pid, addr}) {
		w.hasNewest = false
		w.live -= w.newestSize
		w.m.FreeCount++
		return
	}
	blocks := w.process(pid)
	size, ok := blocks[addr]
	if !ok {
		k := blockKey{pid, addr}
		if _, set := w.outside[k]; set {
			delete(w.outside, k)
			return
		}
		w.m.UntrackedFrees++
		return
	}
	delete(blocks, addr)
	w.live -= size
	w.m.FreeCount++
}

// Realloc records realloc(old, size) returning addr in process pid, with
// glibc's semantics: a NULL old is a malloc; a zero size with a NULL result
// releases old; any other NULL result is a failure that changes nothing;
// otherwise old is released and addr is a new block.
func (w *Window) Realloc(ts uint64, pid uint32, old, addr, size uint64) {
	switch {
	case old == 0:
		if addr != 0 {
			w.Alloc(ts, pid, addr, size)
		}
		return
	case addr == 0 && size == 0:
		w.release(pid, old)
		w.record(ts)
		return
	case addr == 0:
		return
	}
	w.release(pid, old)
	w.Alloc(ts, pid, addr, size)
}

// Exit records that process pid exited: its live blocks leak and are
// released.
func (w *Window) Exit(ts uint64, pid uint32) {
	w.settle()
	freed := false
	for _, size := range w.blocks[pid] {
		w.live -= size
		w.m.LeakedCount++
		w.m.LeakedBytes += size
		freed = true
	}
	delete(w.blocks, pid)
	if w.curPid == pid {
		w.cur = nil
	}
	for k := range w.outside {
		if k.pid == pid {
			delete(w.outside, k)
		}
	}
	if freed {
		w.record(ts)
	}
}

func (w *Window) record(ts uint64) {
	if w.live > w.m.PeakBytes {
		w.m.PeakBytes = w.live
	}
	w.tl.add(Point{Nanos: w.since(ts), LiveBytes: w.live})
}

// since returns ts relative to the window's start, never before the time
// of the previous point. Events arrive in the order they happened, but a
// thread's event may carry a clock reading a little older than another
// thread's event before it (the BPF side reads the clock only every few
// events), and a timeline must not run backwards. Every reading lies
// within the window, so this moves a point later, never past the end.
func (w *Window) since(ts uint64) uint64 {
	if ts > w.start && ts-w.start > w.last {
		w.last = ts - w.start
	}
	return w.last
}

// Finish closes the window at time end and returns its metrics. Blocks
// still live count as leaked. The Window must not be used afterwards.
func (w *Window) Finish(end uint64) Metrics {
	w.settle()
	for _, blocks := range w.blocks {
		for _, size := range blocks {
			w.m.LeakedCount++
			w.m.LeakedBytes += size
		}
	}
	w.blocks, w.cur = nil, nil
	if w.m.AllocCount > 0 {
		w.m.AvgAllocBytes = float64(w.m.TotalBytes) / float64(w.m.AllocCount)
	}
	w.tl.add(Point{Nanos: w.since(end), LiveBytes: w.live})
	w.m.StartNS, w.m.StopNS = w.start, end
	w.m.Timeline = w.tl.points()
	return w.m
}
