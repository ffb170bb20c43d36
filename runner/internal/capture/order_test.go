package capture

import (
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
		for {
			e, old, ok := p.next(limit)
			if !ok {
				return seqs, olds
			}
			seqs = append(seqs, e.Seq)
			olds = append(olds, old)
		}
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
