package capture

// Running the mark and flush programs, which bound the windows and order
// the events: see "Windows" and "Events" in the package comment.

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// end stops counting and writes the sync mark that End's waiter seq waits
// for: once every CPU's batch is flushed, no event of the window is left to
// be numbered, so the mark follows them all.
func (t *Tracer) end(seq uint32) error {
	t.markMu.Lock()
	defer t.markMu.Unlock()
	if err := t.runMark(memtallyMarkOpMARK_END, 0, 0); err != nil {
		return err
	}
	return t.syncLocked(seq, true)
}

// syncIfDue writes a sync mark if a window counts and PollInterval has
// passed since the last, so that the reader applies the window's events as
// they come rather than holding them all until End. The reader calls it,
// whenever it has emptied the ring: a goroutine of its own would cost a
// wake-up more per poll. It gives up when End or a mark holds markMu, or
// when the ring is full, which the reader must drain first.
func (t *Tracer) syncIfDue(now time.Time) bool {
	if !t.counting.Load() || now.Sub(t.lastSync) < t.opts.PollInterval {
		return false
	}
	if !t.markMu.TryLock() {
		return false
	}
	defer t.markMu.Unlock()
	t.lastSync = now
	// On error the events wait for the next sync, or End's, which
	// reports the error if it persists.
	return t.syncLocked(0, false) == nil
}

// syncLocked takes a sync mark's number, flushes every CPU's batch, then
// writes the mark: see memtally_mark in bpf/memtally.c. markMu is held.
// When the ring is full, a patient sync waits for the reader to drain it;
// the reader's own may not.
func (t *Tracer) syncLocked(waiter uint32, patient bool) error {
	if err := t.runMark(memtallyMarkOpMARK_SYNC_CLAIM, 0, 0); err != nil {
		return err
	}
	if err := t.flush(patient); err != nil {
		return err
	}
	return t.runMark(memtallyMarkOpMARK_SYNC, waiter, 0)
}

// flush writes out the partial batch of every CPU that has one.
func (t *Tracer) flush(patient bool) error {
	if t.batches == nil {
		n, err := ebpf.PossibleCPU()
		if err != nil {
			return fmt.Errorf("read batches: %w", err)
		}
		t.batches = make([]memtallyCpuBatch, n)
	}
	// Given a slice rather than a pointer to one, Lookup fills it in
	// place; every CPU's batch is overwritten.
	if err := t.objs.Batches.Lookup(uint32(0), t.batches); err != nil {
		return fmt.Errorf("read batches: %w", err)
	}
	for cpu := range t.batches {
		b := &t.batches[cpu]
		// A CPU seen idle here holds no event numbered before the
		// sync mark: its program would have marked the batch busy
		// before taking its number.
		if b.Busy == 0 && b.Hdr.Count == 0 {
			continue
		}
		if err := t.flushCPU(cpu, patient); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tracer) flushCPU(cpu int, patient bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for tries := 0; ; {
		ret, err := t.objs.MemtallyFlush.Run(&ebpf.RunOptions{
			Context: []uint64{0},
			CPU:     uint32(cpu),
			Flags:   unix.BPF_F_TEST_RUN_ON_CPU,
		})
		switch {
		case errors.Is(err, unix.ENXIO):
			// The CPU is offline, and its batch empty since.
			return nil
		case err != nil:
			return fmt.Errorf("flush cpu %d: %w", cpu, err)
		}
		switch memtallyFlushResult(ret) {
		case memtallyFlushResultFLUSH_OK:
			return nil
		case memtallyFlushResultFLUSH_BUSY:
			// The interrupted program finishes in nanoseconds,
			// less than another try takes: sleeping would cost
			// more than it waits.
			if tries++; tries > 100 {
				time.Sleep(20 * time.Microsecond)
			}
		default:
			// The ring is full: let the reader drain it.
			if !patient {
				return errors.New("flush: the event ring is full")
			}
			time.Sleep(t.opts.PollInterval)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("flush cpu %d: still %v after 30s", cpu, memtallyFlushResult(ret))
		}
	}
}

// mark runs the mark program, which changes the window state (for
// MARK_ARM, arming it for tgid's exec) and then leaves a mark in the event
// ring.
func (t *Tracer) mark(op memtallyMarkOp, seq, tgid uint32) error {
	t.markMu.Lock()
	defer t.markMu.Unlock()
	return t.runMark(op, seq, tgid)
}

func (t *Tracer) runMark(op memtallyMarkOp, seq, tgid uint32) error {
	for tries := 0; ; tries++ {
		ret, err := t.objs.MemtallyMark.Run(&ebpf.RunOptions{Context: []uint64{uint64(op), uint64(seq), uint64(tgid)}})
		if err != nil {
			return fmt.Errorf("run mark program: %w", err)
		}
		if ret == 0 {
			return nil
		}
		// The ring is full: neither the mark nor the state change it
		// carries happened. Let the reader drain it and run it again.
		if tries == 1000 {
			return errors.New("run mark program: event ring stayed full")
		}
		time.Sleep(t.opts.PollInterval)
	}
}

// losses sums the loss counters over all CPUs.
func (t *Tracer) losses() (uint64, error) {
	var total uint64
	for _, c := range []memtallyCounter{memtallyCounterCOUNTER_DROPPED, memtallyCounterCOUNTER_CTL_DROPPED,
		memtallyCounterCOUNTER_TRACKED_FULL, memtallyCounterCOUNTER_EXIT_DROPPED} {
		var per []uint64
		if err := t.objs.Counters.Lookup(uint32(c), &per); err != nil {
			return 0, fmt.Errorf("read counters: %w", err)
		}
		for _, v := range per {
			total += v
		}
	}
	return total, nil
}
