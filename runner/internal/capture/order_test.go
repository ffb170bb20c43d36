package capture

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestPendingAppliesInSequenceOrder(t *testing.T) {
	ev := func(seq uint64) memtallyEvent { return memtallyEvent{Seq: seq, Addr: seq * 16} }
	var p pending
	// CPU 1's batch is read before CPU 0's, and the singles in between.
	p.addBatch(1, []memtallyEvent{ev(2), ev(5), ev(9)})
	p.addSingle(single{ev: ev(7), old: 70})
	p.addSingle(single{ev: ev(3), old: 30})
	p.addBatch(0, []memtallyEvent{ev(1), ev(4), ev(6), ev(8)})

	drain := func(limit uint64) (seqs, olds []uint64) {
		p.drain(limit, func(e *memtallyEvent, old uint64) {
			seqs = append(seqs, e.Seq)
			olds = append(olds, old)
		})
		return seqs, olds
	}
	seqs, olds := drain(7)
	if want := []uint64{1, 2, 3, 4, 5, 6}; !reflect.DeepEqual(seqs, want) {
		t.Fatalf("up to 7: applied %v, want %v", seqs, want)
	}
	if want := []uint64{0, 0, 30, 0, 0, 0}; !reflect.DeepEqual(olds, want) {
		t.Fatalf("up to 7: old blocks %v, want %v", olds, want)
	}
	p.compact()
	p.addBatch(0, []memtallyEvent{ev(10)})
	seqs, _ = drain(100)
	if want := []uint64{7, 8, 9, 10}; !reflect.DeepEqual(seqs, want) {
		t.Fatalf("the rest: applied %v, want %v", seqs, want)
	}
	p.compact()
	for i, q := range p.cpus {
		if len(q.events) != 0 || q.head != 0 {
			t.Fatalf("cpu %d still holds %d events from %d after compact", i, len(q.events), q.head)
		}
	}
}

// TestPendingRandomInterleavings deals numbers 0..n-1 out to CPU batches
// (each CPU's in order, as the BPF side writes them) and to singles, reads
// them in a shuffled order, and drains at rising sync marks: every drain
// must apply exactly the numbers below its mark, in order.
func TestPendingRandomInterleavings(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		const n = 500
		cpus := 1 + rng.IntN(4)
		perCPU := make([][]memtallyEvent, cpus)
		var singles []single
		for seq := uint64(0); seq < n; seq++ {
			if rng.IntN(5) == 0 {
				singles = append(singles, single{ev: memtallyEvent{Seq: seq}, old: seq})
				continue
			}
			c := rng.IntN(cpus)
			perCPU[c] = append(perCPU[c], memtallyEvent{Seq: seq})
		}
		// Records: batches of up to 8 per CPU, in CPU order, plus
		// singles, read in an order that keeps each CPU's batches in
		// sequence.
		var queues [][]ringRecord
		for c, evs := range perCPU {
			var q []ringRecord
			for len(evs) > 0 {
				k := min(len(evs), 1+rng.IntN(8))
				q = append(q, ringRecord{cpu: c, events: evs[:k]})
				evs = evs[k:]
			}
			queues = append(queues, q)
		}
		for i := range singles {
			queues = append(queues, []ringRecord{{single: &singles[i]}})
		}
		var records []ringRecord
		for len(queues) > 0 {
			i := rng.IntN(len(queues))
			records = append(records, queues[i][0])
			if queues[i] = queues[i][1:]; len(queues[i]) == 0 {
				queues = append(queues[:i], queues[i+1:]...)
			}
		}
		var p pending
		next := uint64(0)
		for i, r := range records {
			if r.single != nil {
				p.addSingle(*r.single)
			} else {
				p.addBatch(uint32(r.cpu), r.events)
			}
			if rng.IntN(10) != 0 && i != len(records)-1 {
				continue
			}
			// A sync mark may only claim what every record read so
			// far covers: the lowest number not yet read.
			mark := uint64(n)
			if i != len(records)-1 {
				mark = lowestUnread(records[i+1:])
			}
			p.drain(mark, func(e *memtallyEvent, old uint64) {
				if e.Seq != next {
					t.Fatalf("round %d: applied %d, want %d", round, e.Seq, next)
				}
				next++
			})
			if next != mark {
				t.Fatalf("round %d: drained to %d, want %d", round, next, mark)
			}
			p.compact()
		}
	}
}

// ringRecord is a record of the data ring as pending receives it: a
// CPU's batch, or a single event.
type ringRecord struct {
	cpu    int
	events []memtallyEvent
	single *single
}

// lowestUnread returns the lowest number in records not read yet.
func lowestUnread(rest []ringRecord) uint64 {
	low := uint64(1 << 62)
	for _, r := range rest {
		if r.single != nil {
			low = min(low, r.single.ev.Seq)
		} else if len(r.events) > 0 {
			low = min(low, r.events[0].Seq)
		}
	}
	return low
}
