// Package capture measures the heap allocations of a process tree from
// outside it, with eBPF uprobes, one benchmark window at a time.
//
// # Use
//
//	if err := capture.CheckPrivileges(); err != nil {
//		return err // before starting anything: names what is missing and the setcap fix
//	}
//	t, err := capture.New(capture.Options{}) // loads and attaches the lifecycle programs
//	if err != nil {
//		return err
//	}
//	defer t.Close()
//
//	cmd := exec.Command("/bin/sh", "-c", `kill -STOP $$; exec "$@"`, "sh", argv...)
//	cmd.Start()
//	// wait4(pid, WUNTRACED) until the shell reports itself stopped
//	t.Follow(cmd.Process.Pid)
//
//	// An exec target (one benchmark for the whole command):
//	t.BeginAtExec(cmd.Process.Pid)
//	syscall.Kill(cmd.Process.Pid, syscall.SIGCONT)
//	cmd.Wait()
//	<-t.TreeExited()
//	m, err := t.End()
//
//	// Or, with a harness: resume it, then at each Start ack call
//	// t.Begin(), and at each Stop ack m, err := t.End().
//
// Metrics embeds heap.Metrics, whose fields and definitions are the
// numbers memtally reports, and adds DroppedEvents (nonzero means the
// window is incomplete), Allocators (binaries of the followed tree probed
// so far, with their allocator families), Unprobed (executables of the
// tree whose allocations cannot be seen, with the reason) and NoAllocator
// (executables of the tree that run no malloc-family allocator, with the
// evidence).
//
// # Requirements
//
// Linux 6.13 or later with BTF (the kfunc bpf_send_signal_task holds forked
// children; uprobe_multi links, task storage and tp_btf are older), x86-64,
// and root or CAP_BPF + CAP_PERFMON (see CheckPrivileges). tracefs is not
// needed. fentry, fexit and LSM programs are not used: kernels in lockdown
// refuse them.
//
// # Holding the process
//
// Follow needs a process that has not run any code of the benchmark yet
// and is stopped, so that it is tracked before it can fork. The runner gets
// one by starting the command behind a shell that stops itself and then
// execs it:
//
//	/bin/sh -c 'kill -STOP $$; exec "$@"' sh CMD ARGS...
//
// waiting with wait4(WUNTRACED) until the shell is stopped, calling Follow,
// then sending SIGCONT. The shell's own allocations are never counted by
// an exec-target window, which opens at the exec.
//
// From then on the tree is followed without the caller's help. A
// tp_btf/sched_process_fork program adds every child to the tracked set
// before it runs, and an exit of the whole thread group
// (tp_btf/sched_process_exit) removes the process, releases its live blocks
// as leaked, and detaches its probes in the background.
//
// Probes are needed only once a window has opened or been armed: before,
// no allocation counts, and a free of a block allocated outside every
// window is not one of the window's. So processes are held for their
// probes only from then on; the tree's first Begin or BeginAtExec turns
// holding on (MARK_HOLD), until the tree is gone. It stays on between
// windows: a process forked between two would otherwise be scanned by the
// next Begin, on the critical path of the harness's next start, rather than
// at its fork. While it is on:
//   - A fork is caught by the fork program, which stops the child with
//     bpf_send_signal_task(SIGSTOP) before it runs. The Tracer attaches the
//     child's probes and sends SIGCONT.
//   - An exec is caught by tp_btf/sched_process_exec, which stops the
//     process; the Tracer probes the new executable when it carries its
//     own allocator (a static binary, or a Rust binary with jemalloc or
//     mimalloc) and the new dynamic loader, then resumes it.
//   - A library the loader maps, at start-up or by dlopen, is caught by a
//     uprobe on the loader's _dl_debug_state, the hook glibc calls for
//     debuggers after mapping and before running any of the library. That
//     uprobe stops the process; the Tracer probes the library's allocator
//     and resumes it.
//
// Before, the same programs hold nothing and record the process in a BPF
// map of processes changed since they were last scanned; the first Begin
// scans those (stops each with SIGSTOP, reads its mappings, probes what is
// new, and resumes it) before it opens the window. A harness that forks workers or starts a runtime before its
// first window runs unprobed and unheld meanwhile. The programs record a
// change before they read whether to hold, and Begin turns holding on
// before it reads the map, each with a full barrier, so that every change
// is either held or scanned.
//
// A parent in the tree that waits with WUNTRACED sees these stops. If the
// Tracer is closed while a process is held, Close resumes it.
//
// By default every probe is a uprobe_multi link scoped to one process (one
// link for the entries and one for the returns, per process and binary), so
// processes outside the tree, the runner included, neither pay for the
// probes nor show up in the numbers, and their code is untouched. Threads
// are covered by their process's links. The kernel installs such a link by
// walking every mapping of the binary on the machine, under a lock that
// stalls every fork, so a held fork costs the tree a few tenths of a
// millisecond, and more the more processes map the binary: a tree with
// thousands of live processes forks slowly (BENCHMARKS.md).
//
// Links per binary are attached once, for every process that maps the
// binary, and the programs drop the calls of untracked processes. The
// runner uses them by default for binaries that only the tree maps
// (ShareProbesOf): private copies of the machine's allocator libraries,
// bind-mounted over their paths in a mount namespace the runner starts its
// commands in (package privlibs), so that no other process pays or sees
// anything. A fork then needs no hold when its parent's probes are all per
// binary: the child maps its parent's binaries. The fork program holds it
// when the parent has links of its own (a static executable's allocator,
// or a library loaded from elsewhere), or may have them: while the parent
// is held or scanned for its probes, another of its threads may fork before
// userspace knows (own_state in bpf/memtally.c counts those). An exec needs
// a hold only for an executable not seen yet (a BPF map of handled inodes),
// and only once that executable and its loader are in the mappings
// scanned, probed per binary. A tree of thousands of live processes then
// forks at nearly bare speed, and its exit detaches nothing per process.
//
// With Options.SharedProbes, every binary's links are per binary, for every
// process of the machine that maps it. The cost moves outside the tree:
// every process of the machine that calls a probed allocator traps from
// the first window of the first tree that maps it until the Tracer is
// closed (the links serve every later tree: attached anew right after
// being closed, they were measured missing the tree's process for good),
// and finds breakpoints in that allocator's code, which programs that read
// or translate their own code, valgrind's tools among them, do not
// survive.
//
// # Windows
//
// Begin opens a window and returns once every later allocation is counted
// (the tree's first, after probing what changed before, as above);
// End closes it and returns once every event of the window is accounted.
// Both flip the state through a BPF program run with BPF_PROG_TEST_RUN,
// which also writes a mark into the event ring, carrying the clock read
// where the state changed and a number in the events' order. BeginAtExec
// arms a window that the exec program opens when the followed process
// execs, for an exec target whose window runs from the command's exec to
// the exit of its tree (TreeExited, then End).
//
// BeginIn scopes a window to one process and its descendants: the process
// of the harness that asked for it. The programs then count the processes
// of a scope map alone; userspace fills it with the process and the
// descendants it has, and the fork program adds each child of a process in
// the map, so that none forked meanwhile escapes.
//
// The marks are the window's bounds. Counting starts after the mark that
// opens a window read the clock and took its number, and stops before the
// mark that closes it does, so every counted event is numbered and timed
// between the two (bpf/memtally.c says how a thread preempted across them
// is caught). The reader opens and closes the window when it applies the
// marks, in the events' order, and Metrics.StartNS and StopNS are the
// marks' times. Neither Begin nor End waits for the reader to poll: End
// waits only for the sync mark it writes after its own, with a wake-up, so
// a Begin and End pair costs tens of microseconds (BenchmarkBeginEnd).
//
// # Events
//
// Allocation events go to a ring buffer written with BPF_RB_NO_WAKEUP and
// read by polling, every 10 ms by default: waking the reader per record
// costs more than the probes. What writing an event costs decides what
// tracing costs beyond the traps themselves, so each CPU gathers its events
// into batches of 32, written to the ring as one record; a thread reads the
// clock only every few events (see docs/metrics.md on the timeline); and
// the reader (eventRing) publishes its position in batches. BENCHMARKS.md
// has the measurements.
//
// Batches leave the ring out of order, so every event carries a number
// from one counter, and the reader holds events (type pending) until a sync mark says that everything numbered before it has
// been read; it then applies them in order. A sync takes the mark's
// number, flushes every CPU's partial batch by running a BPF program on
// that CPU, then writes the mark: every PollInterval while a window counts,
// and at End, after counting has stopped, so that End returns with every
// event of the window applied. bpf/memtally.c says why that order is
// enough.
//
// An event that finds the ring full is counted, and Metrics.DroppedEvents
// reports every loss of the window. The numbers themselves come from
// package heap; see its documentation for their exact definitions. Nested calls (operator new calling malloc, realloc(NULL, n)
// calling malloc) count once, by a per-thread depth kept in BPF task
// storage.
//
// Return probes replace a function's return address while it runs, and
// the C++ unwinder cannot step over the replacement: an exception thrown
// through a probed frame ends in std::terminate. libstdc++'s operator new,
// the one probed function that throws (std::bad_alloc), therefore gets an
// entry probe only; it records the size asked for, and the malloc or
// aligned_alloc it calls reports the block with that size. The operators
// new of jemalloc, mimalloc and tcmalloc are their own allocators and keep
// their return probes, so a bad_alloc thrown from them would still
// terminate the program. A call that never returns normally (a longjmp out
// of an allocator) leaves its depth behind; it is reset at the next call
// made from higher up the stack.
//
// # Where allocators are found
//
// Package allocsym finds the entry points of glibc, libstdc++'s operators,
// jemalloc, mimalloc and tcmalloc in .symtab, else .dynsym, and places
// each probe. A static executable whose allocator cannot be found is
// judged by package noalloc: one that shows it runs no malloc-family
// allocator at all (a Go program without cgo, such as esbuild) is listed in
// Metrics.NoAllocator, since nothing in it escapes the probes; any other,
// a stripped static C program for instance, in Metrics.Unprobed with the
// reason.
package capture
