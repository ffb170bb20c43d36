package capture

import (
	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/monotime"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestThreads checks 8 threads x 100000 allocations against DHAT. Two
// things differ from DHAT by nature:
//   - Each exiting thread frees two blocks glibc allocated through its
//     internal allocator, never through a probed entry point (its thread
//     cache among them): 16 untracked frees. DHAT replaces glibc's
//     allocator, so those blocks never exist under it.
//   - The peak depends on how the threads interleave, here and under
//     Valgrind alike: both are the same base plus up to one live 32-byte
//     block per thread.
func TestThreads(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "threads", "threads.c", "-lpthread")
	m := runExecTarget(t, tr, bin)
	d := runDHAT(t, bin)
	w := d
	w.FreeCount = d.AllocCount - d.LeakedCount
	w.UntrackedFrees = 16
	w.PeakBytes = m.PeakBytes
	checkMetrics(t, m, w)
	// Both peaks are the same base plus 0 to 8 live 32-byte blocks.
	diff := int64(m.PeakBytes) - int64(d.PeakBytes)
	if diff < -8*32 || diff > 8*32 || diff%32 != 0 {
		t.Errorf("peak %d, DHAT's %d: they may differ only by up to 8 blocks of 32 bytes", m.PeakBytes, d.PeakBytes)
	}
}

// TestHandoff runs handoff, whose blocks are each freed by another thread
// than the one that allocated them, usually on another CPU, whose events
// reach the reader in another batch. It checks against DHAT what can be:
// the allocations, and that every block's free is seen after its malloc
// (all 100000 freed, none untracked among them). Like TestThreads, glibc
// adds what DHAT never sees: the consumer's TLS vector (272 bytes,
// calloc'd by pthread_create, freed only at exit), and at the consumer's
// exit 8 untracked frees (its thread cache, holding 7 blocks it had freed,
// and the cache itself). The peak depends on the interleaving: the 64
// queued blocks and the TLS vector, plus up to two blocks in flight.
func TestHandoff(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "handoff", "handoff.c", "-lpthread")
	m := runExecTarget(t, tr, bin)
	d := runDHAT(t, bin)
	if m.AllocCount != d.AllocCount || m.TotalBytes != d.TotalBytes {
		t.Errorf("%d blocks, %d bytes; DHAT's: %d, %d", m.AllocCount, m.TotalBytes, d.AllocCount, d.TotalBytes)
	}
	w := want{AllocCount: 100001, TotalBytes: 4800272, FreeCount: 100000,
		LeakedCount: 1, LeakedBytes: 272, UntrackedFrees: 8, PeakBytes: m.PeakBytes}
	checkMetrics(t, m, w)
	if low, high := uint64(272+64*48), uint64(272+66*48); m.PeakBytes < low || m.PeakBytes > high {
		t.Errorf("peak %d, want %d to %d", m.PeakBytes, low, high)
	}
}

// TestExecChain runs exec_child, which allocates and execs malloc_free:
// one window from the first exec to the end of the tree. exec_child's
// three live blocks leak at its exec.
func TestExecChain(t *testing.T) {
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) { execChain(t, newTracerKind(t, kind)) })
	}
}

func execChain(t *testing.T, tr *Tracer) {
	child := build(t, "malloc_free", "malloc_free.c")
	bin := build(t, "exec_child", "exec_child.c")
	m := runExecTarget(t, tr, bin, child)
	checkMetrics(t, m, want{AllocCount: 1004, TotalBytes: 500750, FreeCount: 1000,
		PeakBytes: 1100, LeakedCount: 4, LeakedBytes: 250})
}

// TestForkExecStatic forks a child that execs a static binary, whose
// allocator is its own copy of glibc's malloc, found in its .symtab. A
// window inside the program leaves out static glibc's start-up blocks.
func TestForkExecStatic(t *testing.T) {
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) { forkExecStatic(t, newTracerKind(t, kind)) })
	}
}

func forkExecStatic(t *testing.T, tr *Tracer) {
	static := build(t, "window_static", "window.c", "-static")
	forker := build(t, "fork_exec", "fork_exec.c")
	m := runWindowed(t, tr, 1, forker, static)[0]
	checkMetrics(t, m, windowWant)
	if !hasAllocator(m, static) {
		t.Errorf("allocators %+v do not include %s", m.Allocators, static)
	}
}

func hasAllocator(m Metrics, path string) bool {
	for _, a := range m.Allocators {
		if a.Path == path {
			return true
		}
	}
	return false
}

// TestStrippedStaticUnprobed checks that a static binary without symbols
// is named, with the reason, instead of silently counting nothing.
func TestStrippedStaticUnprobed(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "malloc_free_stripped", "malloc_free.c", "-static", "-s")
	m := runExecTarget(t, tr, bin)
	if m.AllocCount != 0 {
		t.Errorf("alloc_count %d, want 0", m.AllocCount)
	}
	found := false
	for _, u := range m.Unprobed {
		if u.Path == bin && strings.Contains(u.Reason, "stripped") {
			found = true
		}
	}
	if !found {
		t.Errorf("unprobed %+v does not name %s as stripped", m.Unprobed, bin)
	}
	if len(m.NoAllocator) != 0 {
		t.Errorf("no allocator %+v: a stripped static C program may hold malloc", m.NoAllocator)
	}
}

// TestDlopen loads a library that allocates with dlopen, then mimalloc,
// whose mi_malloc is probed when the loader maps it, before it runs. DHAT
// sees mi_malloc too: Valgrind redirects libmimalloc's malloc, an alias of
// mi_malloc.
func TestDlopen(t *testing.T) {
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) { dlopen(t, newTracerKind(t, kind)) })
	}
}

func dlopen(t *testing.T, tr *Tracer) {
	lib := build(t, "libdlopen_lib.so", "dlopen_lib.c", "-shared", "-fPIC")
	bin := build(t, "dlopen_main", "dlopen_main.c", "-ldl")

	var counts []uint64
	for _, argv := range [][]string{{bin, lib}, {bin, lib, "libmimalloc.so.2", "mi_malloc", "mi_free"}} {
		m := runExecTarget(t, tr, argv...)
		d := runDHAT(t, argv...)
		d.FreeCount = d.AllocCount - d.LeakedCount
		checkMetrics(t, m, d)
		counts = append(counts, m.AllocCount)
	}
	if counts[1] < counts[0]+4 {
		t.Errorf("mimalloc's 4 blocks are missing: %d then %d allocations", counts[0], counts[1])
	}
}

// windowWant is window.c's window, as its comment derives it.
var windowWant = want{AllocCount: 10, TotalBytes: 100, FreeCount: 7, PeakBytes: 100,
	LeakedCount: 3, LeakedBytes: 30, UntrackedFrees: 1}

// TestWindowAllocators runs window.c linked with jemalloc, mimalloc and
// tcmalloc, whose start-up allocations DHAT cannot be trusted with (it
// replaces the allocator, so it never initialises): the windows leave them
// out.
func TestWindowAllocators(t *testing.T) {
	tr := newTracer(t)
	for _, lib := range []string{"jemalloc", "mimalloc", "tcmalloc"} {
		t.Run(lib, func(t *testing.T) {
			bin := build(t, "window_"+lib, "window.c", "-l"+lib)
			ms := runWindowed(t, tr, 2, bin, "2")
			for i, m := range ms {
				w := windowWant
				if i > 0 {
					w.UntrackedFrees = 3
				}
				checkMetrics(t, m, w)
			}
			found := false
			for _, a := range ms[0].Allocators {
				found = found || strings.Contains(a.Path, "lib"+lib)
			}
			if !found {
				t.Errorf("allocators %+v do not include lib%s", ms[0].Allocators, lib)
			}
		})
	}
}

// TestWindow drives three windows with Begin and End from the program's
// own edges, with an unrelated process allocating all along: none of its
// allocations may show up.
func TestWindow(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "window", "window.c")
	hog := exec.Command(build(t, "hog", "hog.c"))
	if err := hog.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { hog.Process.Kill(); hog.Wait() }()
	ms := runWindowed(t, tr, 3, bin, "3")
	for i, m := range ms {
		w := windowWant
		if i > 0 {
			// The previous window's three live blocks.
			w.UntrackedFrees = 3
		}
		checkMetrics(t, m, w)
	}
}

// runWindowed runs argv, whose tree contains one window.c, and opens and
// closes n windows at window.c's edges, as the runner does at a harness's
// Start and Stop.
func runWindowed(t *testing.T, tr *Tracer, n int, argv ...string) []Metrics {
	t.Helper()
	ms, _ := runWindowedTimed(t, tr, n, argv...)
	return ms
}

// startEdged starts argv for tr the way the runner does, with a pipe on
// its fd 3, on which it tells each edge of a window, and one on its fd 4,
// on which it waits for each to be acknowledged; it follows and resumes
// it, and returns the test's ends of the pipes, closed when the test ends.
func startEdged(t *testing.T, tr *Tracer, argv ...string) (held *exec.Cmd, toTest, fromTest *os.File) {
	t.Helper()
	toTest, fromProg, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { toTest.Close() })
	toProg, fromTest, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fromTest.Close() })
	held = launch.HeldCommand(argv...)
	held.ExtraFiles = []*os.File{fromProg, toProg} // fds 3 and 4
	held.Stderr = os.Stderr
	if err := startFor(tr, held); err != nil {
		t.Fatal(err)
	}
	fromProg.Close()
	toProg.Close()
	t.Cleanup(func() { held.Process.Kill() })
	waitStopped(t, held.Process.Pid)
	if err := tr.Follow(held.Process.Pid); err != nil {
		t.Fatalf("follow: %v", err)
	}
	if err := unix.Kill(held.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	return held, toTest, fromTest
}

// calls holds CLOCK_MONOTONIC read around the Begin and End of a window.
type calls struct {
	beginCalled, beginReturned, endCalled, endReturned uint64
}

// runWindowedTimed is runWindowed, which also returns when each window's
// Begin and End were called and returned.
func runWindowedTimed(t *testing.T, tr *Tracer, n int, argv ...string) ([]Metrics, []calls) {
	t.Helper()
	held, toTest, fromTest := startEdged(t, tr, argv...)

	buf := make([]byte, 1)
	edge := func() {
		if _, err := toTest.Read(buf); err != nil {
			t.Fatalf("read edge: %v", err)
		}
	}
	ack := func() {
		if _, err := fromTest.Write(buf); err != nil {
			t.Fatalf("write ack: %v", err)
		}
	}
	var ms []Metrics
	var cs []calls
	for i := 0; i < n; i++ {
		var c calls
		edge()
		c.beginCalled = monotime.Now()
		if err := tr.Begin(); err != nil {
			t.Fatalf("begin: %v", err)
		}
		c.beginReturned = monotime.Now()
		ack()
		edge()
		c.endCalled = monotime.Now()
		m, err := tr.End()
		if err != nil {
			t.Fatalf("end: %v", err)
		}
		c.endReturned = monotime.Now()
		ms = append(ms, m)
		cs = append(cs, c)
		ack()
	}
	if err := held.Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.TreeExited():
	case <-time.After(10 * time.Second):
		t.Fatal("tree did not exit")
	}
	return ms, cs
}

func waitStopped(t *testing.T, pid int) {
	t.Helper()
	if err := launch.WaitStopped(pid); err != nil {
		t.Fatal(err)
	}
}

// TestSpawn follows a posix_spawn child, which runs on its parent's memory
// until it execs, and the fork+exec of fork_exec.c: both trees allocate
// exactly what malloc_free does.
func TestSpawn(t *testing.T) {
	tr := newTracer(t)
	child := build(t, "malloc_free", "malloc_free.c")
	mallocFree := want{AllocCount: 1001, TotalBytes: 500600, FreeCount: 1000, PeakBytes: 1100, LeakedCount: 1, LeakedBytes: 100}
	for _, parent := range []string{build(t, "spawn", "spawn.c"), build(t, "fork_exec", "fork_exec.c")} {
		checkMetrics(t, runExecTarget(t, tr, parent, child), mallocFree)
	}
}

// TestDropsCounted squeezes 8 busy threads through a one-page ring polled
// once a second: events are lost, the loss is counted, and End still
// closes the window. Every event is either seen or counted lost: the
// allocations, frees and untracked frees seen, plus the drops, are all of
// threads' events (TestThreads has them: DHAT's blocks, their frees, and 16
// frees at thread exits), plus at most the exec and exit records, whose
// loss counts too.
func TestDropsCounted(t *testing.T) {
	requireBPF(t)
	tr, err := New(Options{RingBytes: 4096, PollInterval: time.Second})
	if err != nil {
		bpfUnavailable(t, err)
	}
	defer tr.Close()
	bin := build(t, "threads", "threads.c", "-lpthread")
	m := runExecTarget(t, tr, bin)
	if m.DroppedEvents == 0 {
		t.Fatalf("no drops counted: %+v", got(m))
	}
	d := runDHAT(t, bin)
	events := d.AllocCount + (d.AllocCount - d.LeakedCount) + 16
	accounted := m.AllocCount + m.FreeCount + m.UntrackedFrees + m.DroppedEvents
	if accounted < events || accounted > events+2 {
		t.Errorf("seen and dropped %d events (%+v, %d dropped), want %d to %d", accounted, got(m), m.DroppedEvents, events, events+2)
	}
	t.Logf("dropped %d events", m.DroppedEvents)
}

// rustTarget is where cargo builds the Rust fixtures. It outlives the test
// run so that later runs rebuild incrementally.
var rustTarget = filepath.Join(os.TempDir(), "memtally-rust-target")

// TestRustGlobalAllocators runs window.rs built with tikv-jemallocator and
// with the mimalloc crate as the global allocator, each statically linked
// into the binary, where the probes find them by their _rjem_ and mi_
// symbols.
func TestRustGlobalAllocators(t *testing.T) {
	tr := newTracer(t)
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Fatalf("cargo is needed to build the Rust fixtures: %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures", "rust"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("cargo", "build", "--release", "--locked", "--target-dir", rustTarget)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo build: %v\n%s", err, b)
	}
	for _, name := range []string{"rust_jemalloc", "rust_mimalloc"} {
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(rustTarget, "release", name)
			for i, m := range runWindowed(t, tr, 3, bin, "3") {
				w := windowWant
				if i > 0 {
					w.UntrackedFrees = 3
				}
				checkMetrics(t, m, w)
				if !hasAllocator(m, bin) {
					t.Errorf("allocators %+v do not include %s", m.Allocators, bin)
				}
			}
		})
	}
}

// TestPythonSubprocess runs window.c from Python's subprocess module, which
// since CPython 3.10 starts children with vfork where it can: such a child
// shares its parent's memory until it execs, and is held and probed like
// any other.
func TestPythonSubprocess(t *testing.T) {
	tr := newTracer(t)
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is needed for this test: %v", err)
	}
	bin := build(t, "window", "window.c")
	script := "import subprocess, sys; subprocess.run([sys.argv[1], '2'], pass_fds=(3, 4), check=True)"
	for i, m := range runWindowed(t, tr, 2, "python3", "-c", script, bin) {
		w := windowWant
		if i > 0 {
			w.UntrackedFrees = 3
		}
		checkMetrics(t, m, w)
	}
}
