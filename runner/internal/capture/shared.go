package capture

import (
	"fmt"
	"sync"

	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// sharedProbes holds the probes of every binary the followed tree maps:
// one uprobe_multi link for the entries and one for the returns per
// binary, attached once, on every process that maps the binary, and
// filtered in BPF by the tracked set. Links per process cost the kernel a
// walk over every mapping of the binary on the machine at each attach and
// detach, under a lock that stalls every fork; shared links make a fork
// of the tree cost nothing more than the tracked map's update.
type sharedProbes struct {
	mu   sync.Mutex
	bins map[string]*sharedBinary // by "dev inode"
}

type sharedBinary struct {
	links []link.Link
	err   error
}

// attach runs fn to attach the probes of the binary key once, and returns
// what the first attach returned.
func (s *sharedProbes) attach(key string, fn func() ([]link.Link, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bins == nil {
		s.bins = map[string]*sharedBinary{}
	}
	if b, ok := s.bins[key]; ok {
		return b.err
	}
	ls, err := fn()
	s.bins[key] = &sharedBinary{links: ls, err: err}
	return err
}

// take forgets every binary and returns their links, for detaching.
func (s *sharedProbes) take() []link.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ls []link.Link
	for _, b := range s.bins {
		ls = append(ls, b.links...)
	}
	s.bins = nil
	return ls
}

// markHandled tells the exec program that an exec of tgid's executable
// needs no hold: its allocator and loader are probed.
func (t *Tracer) markHandled(tgid uint32) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/exe", tgid), &st); err != nil {
		return
	}
	// The kernel's dev_t, which the exec program reads, is not the one
	// stat encodes.
	id := memtallyFileId{Dev: uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev)), Ino: st.Ino}
	// A full map only costs later execs a hold.
	_ = t.objs.Handled.Put(&id, uint8(1))
}
