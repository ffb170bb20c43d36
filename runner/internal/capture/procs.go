package capture

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/allocsym"
	"memtally.dev/runner/internal/noalloc"
)

// process is one followed thread group whose mappings were scanned: held
// at its fork, an exec or its loader's hook, or running when probing
// started. With shared probes, processes that only forked have no entry:
// they map what their parent did.
type process struct {
	tgid uint32

	// mu serialises the scans of one process, which the control reader,
	// Follow and hold make, with detaching its links, which the
	// control reader does when it exits.
	mu       sync.Mutex
	attached map[string]bool // by "dev inode", binaries already handled
	loaders  map[string]bool // by "dev inode", loaders whose hook is probed
	links    []link.Link     // its own probes, unless they are shared
	dead     bool
}

// takeLinks marks p dead, so that it is not scanned again, and returns its
// own links for detaching.
func (p *process) takeLinks() []link.Link {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	ls := p.links
	p.links = nil
	return ls
}

type planResult struct {
	plan allocsym.Plan
	err  error
	// loader is the file offset of _dl_debug_state, if the binary is a
	// dynamic loader.
	loader    uint64
	hasLoader bool
	// absent says why a static executable without allocator symbols
	// runs no allocator at all; empty when it may run one.
	absent string
}

func (t *Tracer) process(tgid uint32) *process {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.procs[tgid]
	if !ok {
		p = &process{tgid: tgid, attached: map[string]bool{}, loaders: map[string]bool{}}
		t.procs[tgid] = p
	}
	return p
}

// control handles one control record: a held process gets what it needs
// attached, then is resumed; an exit ends a process.
func (t *Tracer) control(c memtallyCtlEvent) {
	if memtallyCtlType(c.Type) == memtallyCtlTypeCTL_EXIT {
		t.exited(c.Tgid)
		return
	}
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if !closed {
		p := t.process(c.Tgid)
		// A process that cannot be probed is resumed all the same: the
		// failure is reported through Unprobed, and a stuck benchmark
		// would be worse.
		_ = t.attachAll(p)
		if c.Flags&uint32(memtallyCtlFlagsCTL_HELD) != 0 {
			// Held, so holding is on: a later change of p is held
			// too, and p needs no scan at the next Begin.
			_ = t.objs.Unscanned.Delete(c.Tgid)
		}
		t.probedOwn(p)
	}
	if c.Flags&uint32(memtallyCtlFlagsCTL_HELD) != 0 {
		_ = unix.Kill(int(c.Tgid), unix.SIGCONT)
	}
}

// exited forgets a thread group that is gone. The last one's exit ends the
// tree: holding stops and the shared probes are taken (treeGone), and only
// then is TreeExited closed, so that a tree followed once it is closed
// starts from nothing of this one's.
func (t *Tracer) exited(tgid uint32) {
	t.mu.Lock()
	p, ok := t.procs[tgid]
	delete(t.procs, tgid)
	done := len(t.procs) == 0 && t.followed && !t.ending && t.treeEmpty()
	if done {
		t.ending = true
	}
	tree, treeDone := t.tree, t.treeDone
	t.mu.Unlock()
	if ok {
		t.detachLater(p.takeLinks())
	}
	if done {
		t.treeGone(tree)
		close(treeDone)
	}
}

// treeEmpty asks the BPF side, which adds a child before its parent can
// exit: userspace may not have handled the child's fork yet.
func (t *Tracer) treeEmpty() bool {
	var key uint32
	return t.objs.Tracked.NextKey(nil, &key) != nil
}

// detachLater closes links in the background: closing a uprobe takes
// around a hundred milliseconds on the machines memtally targets, most of
// it waiting for an SRCU grace period. Each link is closed on a goroutine
// of its own, so that closes waiting at once share their grace periods:
// all the binaries' links cost about one close rather than one each.
func (t *Tracer) detachLater(ls []link.Link) {
	t.detach.Add(len(ls))
	for _, l := range ls {
		go func() {
			defer t.detach.Done()
			_ = l.Close()
		}()
	}
}

type mapping struct {
	key  string // "dev inode"
	path string
	file fileID
}

// fileID is a file as the kernel names it: the dev_t of its file system,
// in the kernel's encoding, and its inode.
type fileID struct {
	dev, ino uint64
}

// executableMappings lists the distinct file-backed executable mappings of
// a process.
func executableMappings(tgid uint32) ([]mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", tgid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.Contains(fields[1], "x") || !strings.HasPrefix(fields[5], "/") || fields[4] == "0" {
			continue
		}
		key := fields[3] + " " + fields[4]
		if seen[key] {
			continue
		}
		var major, minor uint64
		if _, err := fmt.Sscanf(fields[3], "%x:%x", &major, &minor); err != nil {
			return nil, fmt.Errorf("read mappings of %d: device %q: %w", tgid, fields[3], err)
		}
		ino, err := strconv.ParseUint(fields[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read mappings of %d: inode: %w", tgid, err)
		}
		seen[key] = true
		path := strings.Join(fields[5:], " ")
		if strings.HasSuffix(path, " (deleted)") {
			// The file is gone; the kernel resolves probes by path, so
			// reach it through the process's own mapping instead.
			path = fmt.Sprintf("/proc/%d/map_files/%s", tgid, fields[0])
		} else {
			// The path is the process's view, perhaps in another mount
			// namespace.
			path = fmt.Sprintf("/proc/%d/root%s", tgid, path)
		}
		out = append(out, mapping{key: key, path: path, file: fileID{dev: major<<20 | minor, ino: ino}})
	}
	return out, sc.Err()
}

// attachAll probes every allocator mapped into p that is not probed yet,
// and the dynamic loader's hook, which stops the process whenever it maps
// more. It fails only when the process cannot be inspected; a binary that
// cannot be probed is reported in Unprobed.
func (t *Tracer) attachAll(p *process) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return t.attachLocked(p)
}

// attachLocked is attachAll with p.mu held.
func (t *Tracer) attachLocked(p *process) error {
	if p.dead {
		return nil
	}
	maps, err := executableMappings(p.tgid)
	if err != nil {
		return fmt.Errorf("read mappings of %d: %w", p.tgid, err)
	}
	exe := exePath(p.tgid)
	root := fmt.Sprintf("/proc/%d/root", p.tgid)
	for _, m := range maps {
		if p.attached[m.key] {
			continue
		}
		p.attached[m.key] = true
		r := t.plan(m)
		var err error
		switch {
		case r.hasLoader:
			err = t.attachBinary(p, m, func(pid uint32) ([]link.Link, error) { return t.attachLoader(m.path, r.loader, pid) })
			p.loaders[m.key] = err == nil
		case r.err != nil:
			// A dynamic program's allocator lives in a library; only a
			// static executable is expected to carry its own.
			if r.plan.Static && strings.TrimPrefix(m.path, root) == exe {
				t.addStatic(exe, r)
			}
		default:
			err = t.attachBinary(p, m, func(pid uint32) ([]link.Link, error) { return t.attachPlan(m.path, r.plan, pid) })
			if err == nil {
				t.addProbed(strings.TrimPrefix(m.path, root), r.plan)
			}
		}
		if err != nil {
			t.addUnprobed(strings.TrimPrefix(m.path, root), err.Error())
		}
	}
	if t.sharing() {
		t.markHandled(p, maps)
	}
	return nil
}

// attachBinary attaches the probes of the binary m, mapped by p, with
// attach: once for every process when they are shared, else for p alone.
// p.mu is held.
func (t *Tracer) attachBinary(p *process, m mapping, attach func(pid uint32) ([]link.Link, error)) error {
	if t.sharedBinary(m.file) {
		return t.shared.attach(m.key, func() ([]link.Link, error) { return attach(0) })
	}
	ls, err := attach(p.tgid)
	p.links = append(p.links, ls...)
	return err
}

func (t *Tracer) plan(m mapping) planResult {
	t.mu.Lock()
	r, ok := t.plans[m.key]
	t.mu.Unlock()
	if ok {
		return r
	}
	r.plan, r.err = allocsym.Discover(m.path)
	if r.err != nil && isLoader(m.path) {
		if off, err := allocsym.LoaderHook(m.path); err == nil {
			r.loader, r.hasLoader = off, true
		}
	}
	if r.err != nil && r.plan.Static {
		r.absent, _, _ = noalloc.Absent(m.path)
	}
	t.mu.Lock()
	t.plans[m.key] = r
	t.mu.Unlock()
	return r
}

// isLoader reports whether the ELF file at path is a dynamic loader: a
// shared object that other programs name as their PT_INTERP. Loaders are
// recognised by their soname, as glibc names them (ld-linux-*.so.*).
func isLoader(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	names, err := f.DynString(elf.DT_SONAME)
	if err != nil || len(names) == 0 {
		return false
	}
	return strings.HasPrefix(names[0], "ld-linux") || strings.HasPrefix(names[0], "ld64.so")
}

func (t *Tracer) addProbed(path string, plan allocsym.Plan) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seenBin[path] {
		return
	}
	t.seenBin[path] = true
	a := Allocator{Path: path, Symbols: len(plan.Probes)}
	for _, f := range plan.Families {
		a.Families = append(a.Families, string(f))
	}
	t.probed = append(t.probed, a)
}

func (t *Tracer) addUnprobed(path, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, u := range t.unprobed {
		if u.Path == path && u.Reason == reason {
			return
		}
	}
	t.unprobed = append(t.unprobed, Unprobed{Path: path, Reason: reason})
}

// bpfKind maps allocsym's kinds onto the BPF program's cookie values.
func bpfKind(k allocsym.Kind) memtallyKind {
	switch k {
	case allocsym.KindMalloc:
		return memtallyKindKIND_MALLOC
	case allocsym.KindCalloc:
		return memtallyKindKIND_CALLOC
	case allocsym.KindAligned:
		return memtallyKindKIND_ALIGNED
	case allocsym.KindPosixMemalign:
		return memtallyKindKIND_POSIX_MEMALIGN
	case allocsym.KindRealloc:
		return memtallyKindKIND_REALLOC
	case allocsym.KindReallocArray:
		return memtallyKindKIND_REALLOCARRAY
	case allocsym.KindPvalloc:
		return memtallyKindKIND_PVALLOC
	case allocsym.KindFree:
		return memtallyKindKIND_FREE
	case allocsym.KindFreeWrapper:
		return memtallyKindKIND_FREE_WRAPPER
	case allocsym.KindNewWrapper:
		return memtallyKindKIND_NEW
	}
	return memtallyKindKIND_NONE
}
