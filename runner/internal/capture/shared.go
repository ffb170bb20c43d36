package capture

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/allocsym"
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

// attachPlan attaches one binary's allocator probes, for process pid, or
// for every process with 0: one uprobe_multi link for the entries and one
// for the returns, the cheapest shape to attach and, above all, to detach.
func (t *Tracer) attachPlan(path string, plan allocsym.Plan, pid uint32) ([]link.Link, error) {
	ex, err := link.OpenExecutable(path)
	if err != nil {
		return nil, fmt.Errorf("attach uprobe: %w", err)
	}
	var entries, entryCookies, returns, returnCookies []uint64
	for _, pr := range plan.Probes {
		k := uint64(bpfKind(pr.Kind))
		entries = append(entries, pr.Entry)
		entryCookies = append(entryCookies, k)
		if pr.Return {
			returns = append(returns, pr.Func)
			returnCookies = append(returnCookies, k)
		}
	}
	l, err := ex.UprobeMulti(nil, t.objs.MemtallyEntry, &link.UprobeMultiOptions{
		Addresses: entries, Cookies: entryCookies, PID: pid})
	if err != nil {
		return nil, fmt.Errorf("attach uprobe: %s: %w", plan.Path, err)
	}
	ls := []link.Link{l}
	if len(returns) > 0 {
		l, err := ex.UretprobeMulti(nil, t.objs.MemtallyReturn, &link.UprobeMultiOptions{
			Addresses: returns, Cookies: returnCookies, PID: pid})
		if err != nil {
			t.detachLater(ls)
			return nil, fmt.Errorf("attach uretprobe: %s: %w", plan.Path, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// attachLoader attaches the probe on a dynamic loader's hook, which stops a
// tracked process whenever the loader has mapped more libraries, for
// process pid, or for every process with 0.
func (t *Tracer) attachLoader(path string, off uint64, pid uint32) ([]link.Link, error) {
	ex, err := link.OpenExecutable(path)
	if err != nil {
		return nil, fmt.Errorf("attach uprobe: %w", err)
	}
	l, err := ex.UprobeMulti(nil, t.objs.MemtallyEntry, &link.UprobeMultiOptions{
		Addresses: []uint64{off}, Cookies: []uint64{uint64(memtallyKindKIND_LOADER)}, PID: pid})
	if err != nil {
		return nil, fmt.Errorf("attach uprobe: loader %s: %w", path, err)
	}
	return []link.Link{l}, nil
}

// startProbing turns the holds on and probes every binary the tree maps,
// the first time a window may need them: before that no allocation can
// count, and the tree runs unprobed and unheld. Processes keep running
// while it scans them. Any library a process maps once its loader's hook
// is attached stops it at the hook; those mapped before are in its
// mappings when the second pass reads them. A process forked meanwhile is
// scanned in a later pass, until a pass finds no new one.
func (t *Tracer) startProbing() error {
	t.probeMu.Lock()
	defer t.probeMu.Unlock()
	t.mu.Lock()
	on := t.probing
	t.mu.Unlock()
	if on {
		return nil
	}
	mode := memtallyProbingModePROBING_PER_PROCESS
	if t.opts.SharedProbes {
		mode = memtallyProbingModePROBING_SHARED
	}
	if err := t.objs.Probing.Put(uint32(0), uint32(mode)); err != nil {
		return fmt.Errorf("turn probing on: %w", err)
	}
	t.mu.Lock()
	t.probing = true
	t.mu.Unlock()
	scanned := map[uint32]bool{}
	for pass := 0; ; pass++ {
		found := false
		for _, tgid := range t.trackedPIDs() {
			if pass >= 2 && scanned[tgid] {
				continue
			}
			found = found || !scanned[tgid]
			scanned[tgid] = true
			// A process that exits meanwhile needs no probes.
			_ = t.attachAll(t.process(tgid))
		}
		if pass >= 1 && !found {
			return nil
		}
	}
}

// stopProbing turns the holds off and detaches every shared probe in the
// background, once the tree is gone.
func (t *Tracer) stopProbing() {
	t.probeMu.Lock()
	defer t.probeMu.Unlock()
	t.mu.Lock()
	t.probing = false
	t.mu.Unlock()
	_ = t.objs.Probing.Put(uint32(0), uint32(memtallyProbingModePROBING_OFF))
	var id memtallyFileId
	for t.objs.Handled.NextKey(nil, &id) == nil {
		if err := t.objs.Handled.Delete(&id); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			break
		}
	}
	t.detachLater(t.shared.take())
}

// trackedPIDs lists the tree's processes as the BPF side knows them.
func (t *Tracer) trackedPIDs() []uint32 {
	var pids []uint32
	var key uint32
	var v uint8
	it := t.objs.Tracked.Iterate()
	for it.Next(&key, &v) {
		pids = append(pids, key)
	}
	return pids
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

// exePath is the executable of tgid, as the process sees it.
func exePath(tgid uint32) string {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", tgid))
	return exe
}
