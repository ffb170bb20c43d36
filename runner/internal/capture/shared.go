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
	// private are the binaries that only the followed trees map (see
	// ShareProbesOf); with Options.SharedProbes every binary is shared.
	private map[fileID]bool
	// closed is set by take: nothing is attached after it.
	closed bool
}

// PrivateFile is a binary that only the followed trees map, as stat(2)
// names it.
type PrivateFile struct {
	Dev, Ino uint64
}

// ShareProbesOf says that files are binaries only the followed trees map:
// private copies of the machine's allocator libraries, bind-mounted in a
// mount namespace of the trees' own. Their probes are then attached once
// per binary, as with Options.SharedProbes, which costs no other process
// anything, since no other process maps them; every other binary keeps
// links per process. Forks of a process whose probes are all per binary
// are not held. Call it before the first Follow.
func (t *Tracer) ShareProbesOf(files []PrivateFile) error {
	if len(files) == 0 {
		return nil
	}
	t.shared.mu.Lock()
	if t.shared.private == nil {
		t.shared.private = map[fileID]bool{}
	}
	for _, f := range files {
		// The kernel's dev_t, which /proc/PID/maps shows, is not the
		// one stat encodes.
		t.shared.private[fileID{dev: uint64(unix.Major(f.Dev))<<20 | uint64(unix.Minor(f.Dev)), ino: f.Ino}] = true
	}
	t.shared.mu.Unlock()
	if err := t.objs.Probing.Put(uint32(0), memtallyHoldState{Shared: 1}); err != nil {
		return fmt.Errorf("share probes: %w", err)
	}
	return nil
}

// sharing reports whether some binaries' probes are shared.
func (t *Tracer) sharing() bool {
	if t.opts.SharedProbes {
		return true
	}
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	return len(t.shared.private) > 0
}

// sharedBinary reports whether the binary f gets links per binary.
func (t *Tracer) sharedBinary(f fileID) bool {
	if t.opts.SharedProbes {
		return true
	}
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	return t.shared.private[f]
}

// probedOwn tells the fork program, once p is probed, whether p has links
// of its own, which its forks then need too, and counts down the hold or
// scan that had it probed (see own_state in bpf/memtally.c).
func (t *Tracer) probedOwn(p *process) {
	if !t.sharing() {
		return
	}
	p.mu.Lock()
	own := len(p.links) > 0
	p.mu.Unlock()
	var links uint32
	if own {
		links = 1
	}
	// A failure leaves its forks held, which costs speed, not numbers.
	_ = t.mark(memtallyMarkOpMARK_PROBED, links, p.tgid)
}

// probingOwn counts a scan of p that was not a hold, before it starts.
func (t *Tracer) probingOwn(p *process) {
	if t.sharing() {
		_ = t.mark(memtallyMarkOpMARK_PROBING, 0, p.tgid)
	}
}

// LastTreeDone says that the tree just followed, now gone, was the last
// one: the probes shared per binary have nothing left to count, and they
// start detaching now, beside what the caller still has to do (End, the
// results), rather than in Close, which waits for them. The kernel holds
// each detach for a grace period, the longest part of the runner's exit.
// Follow fails after it. While a process of the tree lives, it does
// nothing but refuse later Follows, and Close detaches them.
func (t *Tracer) LastTreeDone() {
	t.mu.Lock()
	t.lastTree = true
	t.mu.Unlock()
	if !t.treeEmpty() {
		return
	}
	t.detachLater(t.shared.take())
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
	if s.closed {
		return ErrClosed
	}
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

// take forgets every binary and returns their links, for detaching; no
// binary is attached after it.
func (s *sharedProbes) take() []link.Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var ls []link.Link
	for _, b := range s.bins {
		ls = append(ls, b.links...)
	}
	s.bins = nil
	return ls
}

// markHandled tells the exec program that an exec of p's executable needs
// no hold: its allocator and its loader's hook are probed, by links per
// binary, which cover a process from its exec on. maps are the mappings p
// was just probed from. The executable counts as handled only when those
// mappings hold it, and its loader, probed, if it has one: a process read
// in the middle of an exec has its new executable already but not yet its
// mappings, or not all of them, and an exec of it let go without a hold
// would then run its libraries unprobed.
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
		loader = loader || (p.loaders[m.key] && t.sharedBinary(m.file))
	}
	if mapped == nil {
		return
	}
	r := t.plan(*mapped)
	if !loader && !r.plan.Static {
		return
	}
	// An executable that carries its own allocator needs its probes in
	// place before it runs: links of its own are attached at a hold.
	if r.err == nil && !t.sharedBinary(mapped.file) {
		return
	}
	id := memtallyFileId{Dev: exe.dev, Ino: exe.ino}
	// A full map only costs later execs a hold.
	_ = t.objs.Handled.Put(&id, uint8(1))
}
