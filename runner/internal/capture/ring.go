package capture

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// eventRing consumes the allocation ring, a BPF_MAP_TYPE_RINGBUF map,
// through the kernel's memory-mapped interface (the layout of
// Documentation/bpf/ringbuf.rst).
//
// It exists because of where the ring's cost lies on this kind of machine:
// every reservation a probe makes reads the consumer position, and
// cilium/ebpf's ringbuf.Reader publishes that position after every record
// it reads, so while it drains the ring the position's cache line moves to
// the reader's CPU and back at every probe hit. Publishing it every
// publishEvery records instead took a quarter off the probes' share of a
// traced malloc+free pair, and a third off the reader's CPU use
// (BENCHMARKS.md). The control ring, which sees a few records per process,
// keeps using ringbuf.Reader.
//
// An eventRing is used by one goroutine.
type eventRing struct {
	consPage, dataPages []byte
	// consPos is the consumer position the kernel reads; prodPos the
	// producer position it writes. Both are shared with the kernel, so
	// they are accessed atomically.
	consPos, prodPos *uint64
	// data is the ring's data area, mapped twice in a row, so that a
	// record that wraps around is still contiguous.
	data []byte
	mask uint64
	epfd int
	// cons is the position of the next record to read, published to
	// consPos only every publishEvery records and whenever the ring is
	// empty; prod is the last producer position read.
	cons, prod  uint64
	unpublished int
}

// publishEvery is how many records eventRing reads between publications
// of its position. 128 records of this ring are about 5 KiB, nothing
// against its megabytes, so the space the probes see is barely smaller.
const publishEvery = 128

var (
	// errRingEmpty means every committed record has been read.
	errRingEmpty = errors.New("ring empty")
	// errRingBusy means the next record is reserved but not yet
	// committed: its producer is still writing it.
	errRingBusy = errors.New("record not committed yet")
)

func openEventRing(m *ebpf.Map) (*eventRing, error) {
	size := uint64(m.MaxEntries())
	if m.Type() != ebpf.RingBuf || size == 0 || size&(size-1) != 0 {
		return nil, fmt.Errorf("open ring: %v of %d bytes is not a ring buffer", m.Type(), size)
	}
	page := os.Getpagesize()
	r := &eventRing{mask: size - 1, epfd: -1}
	var err error
	r.consPage, err = unix.Mmap(m.FD(), 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map ring consumer page: %w", err)
	}
	// The producer page, then the data pages twice over.
	r.dataPages, err = unix.Mmap(m.FD(), int64(page), page+2*int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("map ring data pages: %w", err)
	}
	r.consPos = (*uint64)(unsafe.Pointer(&r.consPage[0]))
	r.prodPos = (*uint64)(unsafe.Pointer(&r.dataPages[0]))
	r.data = r.dataPages[page:]
	r.cons = atomic.LoadUint64(r.consPos)
	r.prod = r.cons
	if r.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		r.close()
		return nil, fmt.Errorf("create epoll: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(m.FD())}
	if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, m.FD(), &ev); err != nil {
		r.close()
		return nil, fmt.Errorf("watch ring: %w", err)
	}
	return r, nil
}

// next returns the next committed record's data, which stays valid until
// the following call; or errRingEmpty, or errRingBusy.
func (r *eventRing) next() ([]byte, error) {
	for {
		if r.cons == r.prod {
			// Acquire: the records up to prod are visible once it is.
			r.prod = atomic.LoadUint64(r.prodPos)
			if r.cons == r.prod {
				r.publish()
				return nil, errRingEmpty
			}
		}
		if r.unpublished >= publishEvery {
			r.publish()
		}
		off := r.cons & r.mask
		// The kernel commits a record by clearing the busy bit of its
		// length word with an atomic exchange; reading it atomically
		// orders the record's data after it.
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[off])))
		if hdr&unix.BPF_RINGBUF_BUSY_BIT != 0 {
			return nil, errRingBusy
		}
		n := uint64(hdr &^ (unix.BPF_RINGBUF_BUSY_BIT | unix.BPF_RINGBUF_DISCARD_BIT))
		start := off + unix.BPF_RINGBUF_HDR_SZ
		r.cons += (unix.BPF_RINGBUF_HDR_SZ + n + 7) &^ 7
		r.unpublished++
		if hdr&unix.BPF_RINGBUF_DISCARD_BIT != 0 {
			continue
		}
		return r.data[start : start+n], nil
	}
}

// publish tells the kernel that everything before cons has been read.
func (r *eventRing) publish() {
	atomic.StoreUint64(r.consPos, r.cons)
	r.unpublished = 0
}

// wait blocks until a record written with a wake-up arrives, or for at
// most timeout. Records written without one are found by the next call of
// next.
func (r *eventRing) wait(timeout time.Duration) {
	r.publish()
	var events [1]unix.EpollEvent
	_, err := unix.EpollWait(r.epfd, events[:], int(timeout.Milliseconds()))
	if err != nil && !errors.Is(err, unix.EINTR) {
		// Not for a valid epoll descriptor; but the reader must go on
		// polling whatever happens, or End would wait in vain.
		time.Sleep(timeout)
	}
}

func (r *eventRing) close() {
	if r.epfd >= 0 {
		_ = unix.Close(r.epfd)
	}
	if r.dataPages != nil {
		_ = unix.Munmap(r.dataPages)
	}
	if r.consPage != nil {
		_ = unix.Munmap(r.consPage)
	}
	*r = eventRing{epfd: -1}
}
