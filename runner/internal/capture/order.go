package capture

import "container/heap"

// pending holds the events read from the ring and not yet applied. The
// ring's order is not the events' order: each CPU writes its events in
// batches, and some events go in records of their own (see
// bpf/memtally.c). Events therefore wait here until a sync mark, numbered
// W, guarantees that every event numbered below W has been read; they are
// then applied in sequence order.
type pending struct {
	// cpus holds each CPU's batched events, already in order: a CPU
	// writes its batches one after the other.
	cpus []cpuQueue
	// singles holds the events of records of their own, lowest first.
	singles singleHeap
}

type cpuQueue struct {
	events []memtallyEvent
	head   int
}

type single struct {
	ev  memtallyEvent
	old uint64 // a realloc's old block
}

// addBatch queues a CPU's batch, copying it: the ring's memory is reused.
func (p *pending) addBatch(cpu uint32, events []memtallyEvent) {
	for int(cpu) >= len(p.cpus) {
		p.cpus = append(p.cpus, cpuQueue{})
	}
	q := &p.cpus[cpu]
	q.events = append(q.events, events...)
}

func (p *pending) addSingle(s single) {
	heap.Push(&p.singles, s)
}

// drain applies, in sequence order, every event numbered below limit.
// Events come in runs from one CPU's queue, applied without looking
// elsewhere while they are numbered below every other source's first.
func (p *pending) drain(limit uint64, apply func(e *memtallyEvent, old uint64)) {
	for {
		// The queue whose first event is lowest, and the lowest first
		// event of the other sources, which ends its run.
		best, first, next := -1, uint64(0), limit
		for i := range p.cpus {
			q := &p.cpus[i]
			if q.head == len(q.events) {
				continue
			}
			seq := q.events[q.head].Seq
			switch {
			case best < 0 || seq < first:
				if best >= 0 {
					next = min(next, first)
				}
				best, first = i, seq
			default:
				next = min(next, seq)
			}
		}
		if len(p.singles) > 0 {
			seq := p.singles[0].ev.Seq
			if best < 0 || seq < first {
				if seq >= limit {
					return
				}
				s := heap.Pop(&p.singles).(single)
				apply(&s.ev, s.old)
				continue
			}
			next = min(next, seq)
		}
		if best < 0 || first >= limit {
			return
		}
		q := &p.cpus[best]
		for q.head < len(q.events) && q.events[q.head].Seq < next {
			apply(&q.events[q.head], 0)
			q.head++
		}
	}
}

// compact drops the applied events' room, so that what pending holds stays
// bounded by the events of one sync period.
func (p *pending) compact() {
	for i := range p.cpus {
		q := &p.cpus[i]
		n := copy(q.events, q.events[q.head:])
		q.events = q.events[:n]
		q.head = 0
	}
}

// singleHeap orders single events by sequence number, for container/heap.
type singleHeap []single

func (h singleHeap) Len() int           { return len(h) }
func (h singleHeap) Less(i, j int) bool { return h[i].ev.Seq < h[j].ev.Seq }
func (h singleHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *singleHeap) Push(x any)        { *h = append(*h, x.(single)) }
func (h *singleHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
