package capture

import (
	"errors"
	"runtime"
	"time"
	"unsafe"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/heap"
)

// checkEvery is how many records readData reads between looks at whether
// the Tracer is closing and a sync mark is due.
const checkEvery = 256

// readData reads the allocation ring until Close. The ring is written
// without wake-ups, so the reader polls it every PollInterval; End's sync
// mark is written with a wake-up so that End does not wait for the next
// poll. Nothing else waits for the reader: Begin and End change the window
// state in BPF, and the reader learns of it from their marks.
func (t *Tracer) readData() {
	defer t.wg.Done()
	// The producers are the benchmark's threads, often more of them than
	// there are CPUs. At the default weight this goroutine's thread would
	// get a fair share, too little to drain a ring that fast threads fill
	// at over a million records a second, so it runs at the highest
	// priority the process may set. Without CAP_SYS_NICE it keeps the
	// default, and a large enough ring has to absorb the bursts.
	runtime.LockOSThread()
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), -20)
	// A select per record took a fifth of this loop's time, and the
	// loop's time is time the benchmark's threads spend waiting on the
	// ring's shared cache lines: Close and due sync marks are checked for
	// between batches, and whenever the ring is empty.
	for unchecked := 0; ; unchecked++ {
		if unchecked >= checkEvery {
			unchecked = 0
			if t.stopping() {
				return
			}
			// Producers may keep the ring from ever emptying.
			t.syncIfDue(time.Now())
		}
		rec, err := t.data.next()
		switch {
		case err == nil:
		case errors.Is(err, errRingBusy):
			// Its producer is a few instructions from committing it.
			time.Sleep(10 * time.Microsecond)
			continue
		default:
			if t.stopping() {
				return
			}
			unchecked = 0
			if t.syncIfDue(time.Now()) {
				// Its mark is in the ring now.
				continue
			}
			t.data.wait(t.opts.PollInterval)
			continue
		}
		t.record(rec)
	}
}

// record takes in one record of the data ring. The layouts are the C
// structs', which bpf2go's types reproduce field for field; both kinds of
// record start with a type.
func (t *Tracer) record(rec []byte) {
	const (
		hdrSize    = int(unsafe.Sizeof(memtallyBatchHdr{}))
		eventSize  = int(unsafe.Sizeof(memtallyEvent{}))
		singleSize = int(unsafe.Sizeof(memtallySingleEvent{}))
	)
	if len(rec) < hdrSize {
		return
	}
	if memtallyEventType(*(*uint32)(unsafe.Pointer(&rec[0]))) == memtallyEventTypeEVENT_BATCH {
		h := (*memtallyBatchHdr)(unsafe.Pointer(&rec[0]))
		n := int(h.Count)
		if n == 0 || len(rec) < hdrSize+n*eventSize {
			return
		}
		t.pending.addBatch(h.Cpu, unsafe.Slice((*memtallyEvent)(unsafe.Pointer(&rec[hdrSize])), n))
		return
	}
	if len(rec) < singleSize {
		return
	}
	s := (*memtallySingleEvent)(unsafe.Pointer(&rec[0]))
	if memtallyEventType(s.Ev.Type) == memtallyEventTypeEVENT_MARK && memtallyMarkOp(s.Ev.Size) == memtallyMarkOpMARK_SYNC {
		t.synced(&s.Ev)
		return
	}
	t.pending.addSingle(single{ev: s.Ev, old: s.Old})
}

// synced applies, in order, every event numbered before the sync mark m,
// which are all read by now; and hands End the window its end mark closed,
// if End waits for m.
func (t *Tracer) synced(m *memtallyEvent) {
	t.pending.drain(m.Seq, t.handle)
	t.pending.compact()
	waiter := uint32(m.Addr)
	if waiter == 0 {
		return
	}
	t.endMu.Lock()
	ch, ok := t.waiters[waiter]
	delete(t.waiters, waiter)
	t.endMu.Unlock()
	if ok {
		// End's end mark is numbered before its sync mark, so it has
		// just been applied.
		ch <- t.ended
		t.ended = nil
	}
}

// handle applies one event; old is a realloc's old block.
func (t *Tracer) handle(e *memtallyEvent, old uint64) {
	switch memtallyEventType(e.Type) {
	case memtallyEventTypeEVENT_ALLOC:
		if w := t.window(e.Ts); w != nil {
			w.Alloc(e.Ts, e.Tgid, e.Addr, e.Size)
		}
	case memtallyEventTypeEVENT_FREE:
		if w := t.window(e.Ts); w != nil {
			w.Free(e.Ts, e.Tgid, e.Addr)
		}
	case memtallyEventTypeEVENT_REALLOC:
		if w := t.window(e.Ts); w != nil {
			w.Realloc(e.Ts, e.Tgid, old, e.Addr, e.Size)
		}
	case memtallyEventTypeEVENT_EXIT, memtallyEventTypeEVENT_EXEC:
		// The blocks are gone with the process, or with its old image.
		// The control ring reports exits for following the tree.
		if t.win != nil {
			t.win.Exit(e.Ts, e.Tgid)
		}
	case memtallyEventTypeEVENT_MARK:
		if e.Tgid != 0 {
			// The exec of an armed window.
			t.window(e.Ts)
			return
		}
		switch memtallyMarkOp(e.Size) {
		case memtallyMarkOpMARK_BEGIN:
			// Every event of the window is numbered after its mark,
			// and timed after it.
			t.win, t.armed, t.ended = heap.NewWindow(e.Ts), false, nil
		case memtallyMarkOpMARK_ARM:
			t.win, t.armed, t.ended = nil, true, nil
		case memtallyMarkOpMARK_END:
			w := t.win
			if w == nil {
				// An armed window whose exec never came saw
				// nothing.
				w = heap.NewWindow(e.Ts)
			}
			m := w.Finish(e.Ts)
			t.win, t.armed, t.ended = nil, false, &m
		case memtallyMarkOpMARK_PAUSE:
			if w := t.window(e.Ts); w != nil {
				w.Pause()
			}
		case memtallyMarkOpMARK_RESUME:
			if w := t.window(e.Ts); w != nil {
				w.Resume()
			}
		}
	}
}

// window returns the open window, opening an armed one at ts: the exec's
// mark, or, if the ring had no room for that mark (an event lost, which
// makes the window incomplete), the window's first event.
func (t *Tracer) window(ts uint64) *heap.Window {
	if t.win == nil && t.armed {
		t.win = heap.NewWindow(ts)
		t.armed = false
	}
	return t.win
}

// readCtl handles the processes the BPF side holds stopped, at forks,
// execs and dynamic loader events, each attached then resumed; and exits.
func (t *Tracer) readCtl() {
	defer t.wg.Done()
	var rec ringbuf.Record
	for {
		if err := t.ctl.ReadInto(&rec); err != nil {
			return
		}
		if len(rec.RawSample) < int(unsafe.Sizeof(memtallyCtlEvent{})) {
			continue
		}
		c := *(*memtallyCtlEvent)(unsafe.Pointer(&rec.RawSample[0]))
		t.control(c)
	}
}
