package capture

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/heap"
)

// Options tune a Tracer. The zero value is ready to use.
type Options struct {
	// RingBytes is the size of the allocation event ring, a power of two
	// of at least one page. Zero means 64 MiB: about 1.6 million events in
	// batches, over half a second of a fast benchmark's events.
	RingBytes uint32
	// PollInterval is how often the event ring is read; records are
	// written without waking the reader, which costs more than the probes
	// themselves. Zero means 10 ms.
	PollInterval time.Duration
	// SharedProbes attaches every binary's probes once, on every process
	// of the machine that maps it, and counts the tree's calls alone,
	// instead of attaching them for each process of the tree. A fork then
	// costs the tree nothing, however many processes are alive, but every
	// process outside the tree that maps a probed binary pays the traps
	// of its allocator calls from the first window of the first tree that
	// maps it until Close, and finds breakpoints in that binary's code: a
	// program that reads or translates its own code, valgrind's tools
	// among them, dies of SIGTRAP. See BENCHMARKS.md for both costs.
	// ShareProbesOf gives the same speed at no cost to other processes,
	// for binaries that only the tree maps.
	SharedProbes bool
}

// Metrics are the numbers of one window.
type Metrics struct {
	heap.Metrics
	// DroppedEvents counts everything the window lost: events that
	// found the ring full, processes whose fork could not be followed,
	// and exits that could not be reported. A window with a nonzero
	// count is incomplete.
	DroppedEvents uint64
	// Allocators lists the binaries of the followed tree whose allocator
	// was probed, in the order they were first probed.
	Allocators []Allocator
	// Unprobed lists executables in the tree whose allocator could not
	// be found or probed. A window is incomplete when it is not empty.
	Unprobed []Unprobed
	// NoAllocator lists executables in the tree that run no malloc-family
	// allocator (package noalloc), so that no probe misses anything in
	// them: a static Go program such as esbuild.
	NoAllocator []NoAllocator
}

// Allocator is one binary whose allocator entry points are probed.
type Allocator struct {
	Path     string
	Families []string
	// Symbols is the number of distinct entry points probed.
	Symbols int
}

// Unprobed is an executable whose allocations memtally cannot see.
type Unprobed struct {
	Path   string
	Reason string
}

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("tracer closed")

// Tracer captures the allocations of the process trees it follows. Its
// methods may be called from any goroutine, but windows do not overlap:
// call Begin or BeginAtExec, then End, then the next Begin.
type Tracer struct {
	objs  memtallyObjects
	links []link.Link // the sched tracepoints
	data  *eventRing
	ctl   *ringbuf.Reader
	opts  Options

	mu       sync.Mutex
	procs    map[uint32]*process
	followed bool
	treeDone chan struct{}
	// tree numbers the trees followed one after another, so that the
	// end of one (treeGone) never undoes what the next has set up, and
	// ending is set once its end is being handled.
	tree     uint64
	ending   bool
	plans    map[string]planResult // by "dev inode"
	probed   []Allocator
	seenBin  map[string]bool
	unprobed []Unprobed
	noAlloc  []NoAllocator
	closed   bool
	// lastTree is set by LastTreeDone: no tree is followed after it.
	lastTree bool
	// holding is set from the tree's first window (or its arming) until
	// the tree is gone: its processes are then held until their probes
	// are in (see hold).
	holding bool

	// holdMu serialises hold and treeGone.
	holdMu sync.Mutex
	shared sharedProbes

	// scopeMu guards the scope of the windows: scopePID, whose
	// descendants the scope map holds, or 0 when windows count the
	// whole tree.
	scopeMu  sync.Mutex
	scopePID int

	// Window state, owned by the data reader goroutine, which learns of
	// each window's start and end from the marks in the ring.
	pending pending
	win     *heap.Window
	armed   bool
	ended   *heap.Metrics // the window the last end mark closed

	// endMu guards what End and Begin share with the reader and each
	// other, which may run on different goroutines.
	endMu   sync.Mutex
	endSeq  uint32
	waiters map[uint32]chan<- *heap.Metrics // End's sync marks, by number
	base    uint64                          // loss counters at the window's start

	// markMu serialises the runs of the mark and flush programs: a sync
	// takes several, and the number it claims is kept in the BPF state.
	markMu sync.Mutex
	// batches is flush's copy of the per-CPU batches, kept between
	// syncs under markMu: a fresh one per sync was a fifth of what the
	// runner allocated on a target of 100,000 benchmarks.
	batches []memtallyCpuBatch
	// counting is set while a window is open or armed, when the reader
	// writes periodic sync marks (syncIfDue).
	counting atomic.Bool
	// lastSync is when the reader last wrote a sync mark; the reader
	// alone uses it.
	lastSync time.Time

	detach sync.WaitGroup // links being closed in the background
	wg     sync.WaitGroup // reader goroutines
	stop   chan struct{}
}

// New loads the capture programs and attaches the process lifecycle
// tracepoints. It follows no process until Follow.
func New(opts Options) (*Tracer, error) {
	if opts.RingBytes == 0 {
		opts.RingBytes = 64 << 20
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 10 * time.Millisecond
	}
	// Decoding the kernel's types, which the programs' relocations
	// need, is CPU work that overlaps the making of the maps, which is
	// the kernel's.
	kernelTypes := btf.NewCache()
	go kernelTypes.Kernel()
	spec, err := loadMemtally()
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	spec.Maps["events"].MaxEntries = opts.RingBytes
	t := &Tracer{
		opts:     opts,
		procs:    map[uint32]*process{},
		treeDone: make(chan struct{}),
		plans:    map[string]planResult{},
		seenBin:  map[string]bool{},
		waiters:  map[uint32]chan<- *heap.Metrics{},
		stop:     make(chan struct{}),
	}
	if err := spec.LoadAndAssign(&t.objs, &ebpf.CollectionOptions{Cache: kernelTypes}); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load programs: %+v", ve)
		}
		return nil, fmt.Errorf("load programs: %w", err)
	}
	if opts.SharedProbes {
		if err := t.objs.Probing.Put(uint32(0), memtallyHoldState{Shared: 1}); err != nil {
			t.closeObjects()
			return nil, fmt.Errorf("share probes: %w", err)
		}
	}
	for _, p := range []*ebpf.Program{t.objs.MemtallyFork, t.objs.MemtallyExec, t.objs.MemtallyExit} {
		l, err := link.AttachTracing(link.TracingOptions{Program: p})
		if err != nil {
			t.closeObjects()
			return nil, fmt.Errorf("attach tracepoint: %w", err)
		}
		t.links = append(t.links, l)
	}
	if t.data, err = openEventRing(t.objs.Events); err != nil {
		t.closeObjects()
		return nil, err
	}
	if t.ctl, err = ringbuf.NewReader(t.objs.CtlEvents); err != nil {
		t.data.close()
		t.closeObjects()
		return nil, fmt.Errorf("create reader: %w", err)
	}
	t.wg.Add(2)
	go t.readData()
	go t.readCtl()
	return t, nil
}

// Follow starts tracking the process pid and, from then on, every process
// it forks. pid must be held stopped by the caller (see the package
// comment): Follow attaches its probes and returns, and the caller then
// resumes it with SIGCONT. A binary whose probes cannot be attached does
// not fail Follow; it is reported in Metrics.Unprobed.
func (t *Tracer) Follow(pid int) error {
	t.mu.Lock()
	if t.closed || t.lastTree {
		t.mu.Unlock()
		return ErrClosed
	}
	if len(t.procs) == 0 && t.treeEmpty() {
		// A new tree: the previous one, if any, is gone, and what was
		// probed for it says nothing about this one.
		t.treeDone = make(chan struct{})
		t.tree++
		t.ending = false
		t.probed = nil
		t.seenBin = map[string]bool{}
		t.unprobed = nil
	}
	t.followed = true
	holding := t.holding
	t.mu.Unlock()
	tgid := uint32(pid)
	if err := t.objs.Tracked.Put(tgid, uint8(1)); err != nil {
		return fmt.Errorf("track pid %d: %w", pid, err)
	}
	p := t.process(tgid)
	if !holding {
		// Probed before the next window (see hold), but it must be
		// there to follow.
		if _, err := executableMappings(tgid); err != nil {
			t.forget(tgid, p)
			return fmt.Errorf("read mappings of %d: %w", tgid, err)
		}
		if err := t.objs.Unscanned.Put(tgid, uint8(1)); err != nil {
			t.forget(tgid, p)
			return fmt.Errorf("track pid %d: %w", pid, err)
		}
		return nil
	}
	t.probingOwn(p)
	if err := t.attachAll(p); err != nil {
		t.forget(tgid, p)
		return err
	}
	t.probedOwn(p)
	return nil
}

// forget undoes Follow of a process it could not inspect.
func (t *Tracer) forget(tgid uint32, p *process) {
	_ = t.objs.Tracked.Delete(tgid)
	t.mu.Lock()
	delete(t.procs, tgid)
	t.mu.Unlock()
	t.detachLater(p.takeLinks())
}

// Begin opens a window. When it returns, every allocation of the followed
// processes is counted until End. The window starts at the moment the mark
// program turns counting on (Metrics.StartNS); the reader opens it when it
// comes to that mark, so Begin does not wait for the reader.
func (t *Tracer) Begin() error {
	return t.begin(0)
}

// BeginIn opens a window, as Begin, that counts the allocations of process
// pid and its descendants alone, those it has and those it forks: the
// benchmark's own process, whose harness asked for the window. The tree's
// other processes, such as the harness's parent collecting results, run on
// their own schedule, and what they allocate meanwhile is not the
// benchmark's.
func (t *Tracer) BeginIn(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("begin window: pid %d", pid)
	}
	return t.begin(pid)
}

func (t *Tracer) begin(pid int) error {
	if err := t.hold(); err != nil {
		return err
	}
	if err := t.setScope(pid); err != nil {
		return err
	}
	if err := t.setBase(); err != nil {
		return err
	}
	t.counting.Store(true)
	return t.mark(memtallyMarkOpMARK_BEGIN, 0, 0)
}

// setBase records the loss counters at the start of a window.
func (t *Tracer) setBase() error {
	base, err := t.losses()
	if err != nil {
		return err
	}
	t.endMu.Lock()
	t.base = base
	t.endMu.Unlock()
	return nil
}

// BeginAtExec arms a window that opens when process pid next calls exec,
// before the new program runs an instruction. It is for a command given
// to the runner as a whole: start it as a wrapper that stops itself and
// execs the command, Follow the wrapper, call BeginAtExec, then resume
// it. The window stays open until End; TreeExited tells when the tree is
// gone.
func (t *Tracer) BeginAtExec(pid int) error {
	if err := t.hold(); err != nil {
		return err
	}
	if err := t.setScope(0); err != nil {
		return err
	}
	if err := t.setBase(); err != nil {
		return err
	}
	t.counting.Store(true)
	return t.mark(memtallyMarkOpMARK_ARM, 0, uint32(pid))
}

// Pause stops counting the allocations of the open window until Resume,
// for a region of the benchmark that its harness excludes, such as the
// set-up between google-benchmark's PauseTiming and ResumeTiming. The
// window's blocks freed meanwhile are still released. When Pause returns,
// no later allocation counts.
func (t *Tracer) Pause() error {
	return t.mark(memtallyMarkOpMARK_PAUSE, 0, 0)
}

// Resume counts allocations again after Pause. When it returns, every
// later allocation counts.
func (t *Tracer) Resume() error {
	return t.mark(memtallyMarkOpMARK_RESUME, 0, 0)
}

// TreeExited is closed once every followed process and all their
// descendants have exited. Following a process after that starts a new
// tree, with a new channel.
func (t *Tracer) TreeExited() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.treeDone
}

// End closes the window and returns its metrics. It returns once tracking
// has stopped and every event of the window has been accounted. The window
// ends at the moment the mark program turns counting off
// (Metrics.StopNS).
func (t *Tracer) End() (Metrics, error) {
	done := make(chan *heap.Metrics, 1)
	t.endMu.Lock()
	if t.stopping() {
		t.endMu.Unlock()
		return Metrics{}, ErrClosed
	}
	t.endSeq++
	seq := t.endSeq
	t.waiters[seq] = done
	base := t.base
	t.endMu.Unlock()
	err := t.end(seq)
	t.counting.Store(false)
	if err != nil {
		t.endMu.Lock()
		delete(t.waiters, seq)
		t.endMu.Unlock()
		return Metrics{}, err
	}
	var m Metrics
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case hm := <-done:
		if hm == nil {
			return Metrics{}, errors.New("end window: the event reader found no end mark")
		}
		m.Metrics = *hm
	case <-t.stop:
		return Metrics{}, ErrClosed
	case <-timeout.C:
		return Metrics{}, errors.New("end window: the event reader did not reach the end mark")
	}
	now, err := t.losses()
	if err != nil {
		return Metrics{}, err
	}
	m.DroppedEvents = now - base
	t.mu.Lock()
	m.Allocators = append([]Allocator(nil), t.probed...)
	m.Unprobed = append([]Unprobed(nil), t.unprobed...)
	m.NoAllocator = append([]NoAllocator(nil), t.noAlloc...)
	t.mu.Unlock()
	return m, nil
}

// Close stops tracking, resumes any process still held, detaches every
// probe and frees the programs. The followed processes keep running.
func (t *Tracer) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	procs := t.procs
	t.procs = map[uint32]*process{}
	t.mu.Unlock()

	// Untracked processes are neither held nor counted any more.
	for tgid := range procs {
		_ = t.objs.Tracked.Delete(tgid)
	}
	var key uint32
	for t.objs.Tracked.NextKey(nil, &key) == nil {
		_ = t.objs.Tracked.Delete(key)
	}
	for _, l := range t.links {
		_ = l.Close()
	}
	t.links = nil
	// Nothing is tracked: the shared probes count nothing any more, and
	// their detaching, a grace period of the kernel's, the longest part
	// of Close, starts now, beside the readers' stopping.
	t.detachLater(t.shared.take())
	// Let the control reader release whatever it had been told to hold.
	deadline := time.Now().Add(time.Second)
	for t.ctl.AvailableBytes() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(t.stop)
	_ = t.ctl.Close()
	// The data reader stops at its next poll, and only then may its ring
	// be unmapped.
	t.wg.Wait()
	t.data.close()
	for tgid, p := range procs {
		_ = unix.Kill(int(tgid), unix.SIGCONT)
		t.detachLater(p.takeLinks())
	}
	t.mu.Lock()
	tree := t.tree
	t.mu.Unlock()
	t.treeGone(tree)
	t.detach.Wait()
	t.closeObjects()
	return nil
}

func (t *Tracer) closeObjects() {
	for _, l := range t.links {
		_ = l.Close()
	}
	_ = t.objs.Close()
}

// stopping reports whether Close has stopped the readers.
func (t *Tracer) stopping() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

// processExists reports whether pid still names a live process.
func processExists(pid uint32) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}
