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
//
// They stay attached from the first tree that needs them until the Tracer
// is closed, and serve every later tree: links attached to a binary just
// after its previous links were closed were measured missing the process
// for good (a window of a process calling malloc in a loop counting
// nothing) in about one tree in ten followed right after the previous one.
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

// markHandled tells the exec program that an exec of p's executable needs
// no hold: its allocator and its loader's hook are probed. maps are the
// mappings p was just probed from. The executable counts as handled only
// when those mappings hold it, and its loader, probed, if it has one: a
// process read in the middle of an exec has its new executable already
// but not yet its mappings, or not all of them, and an exec of it let go
// without a hold would then run its libraries unprobed.
func (t *Tracer) markHandled(p *process, maps []mapping) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/exe", p.tgid), &st); err != nil {
		return
	}
	// The kernel's dev_t, which the exec program reads, is not the one
	// stat encodes.
	exe := fileID{dev: uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev)), ino: st.Ino}
	var mapped *mapping
	loader := false
	for i, m := range maps {
		if m.file == exe {
			mapped = &maps[i]
		}
		loader = loader || p.loaders[m.key]
	}
	if mapped == nil {
		return
	}
	if !loader && !t.plan(*mapped).plan.Static {
		return
	}
	id := memtallyFileId{Dev: exe.dev, Ino: exe.ino}
	// A full map only costs later execs a hold.
	_ = t.objs.Handled.Put(&id, uint8(1))
}
