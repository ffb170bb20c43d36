// Package capture measures the heap allocations of a process tree from
// outside it, with eBPF uprobes, one benchmark window at a time.
//
// # Use
//
//	if err := capture.CheckPrivileges(); err != nil { ... } // before starting anything
//	t, err := capture.New(capture.Options{})                  // load + attach lifecycle programs
//	defer t.Close()
//	cmd := exec.Command("/bin/sh", "-c", `kill -STOP $$; exec "$@"`, "sh", argv...)
//	cmd.Start()
//	unix.Wait4(cmd.Process.Pid, &ws, unix.WUNTRACED, nil)    // until ws.Stopped()
//	t.Follow(cmd.Process.Pid)
//	t.BeginAtExec(cmd.Process.Pid)                             // for an exec target; or Begin/End later
//	unix.Kill(cmd.Process.Pid, unix.SIGCONT)
//	...
//	m, err := t.End()
//
// # Holding the process
//
// Follow needs a process that has not run any code of the benchmark yet
// and is stopped, so its probes are in place before its first allocation.
// The runner gets one by starting the command behind a shell that stops
// itself and then execs it:
//
//	/bin/sh -c 'kill -STOP $$; exec "$@"' sh CMD ARGS...
//
// waiting with wait4(WUNTRACED) until the shell is stopped, calling Follow,
// then sending SIGCONT. The shell's own allocations are never counted by
// an exec-target window, which opens at the exec.
//
// From then on the tree is followed without the caller's help:
//   - A fork is caught by a tp_btf/sched_process_fork program, which tracks
//     the child and stops it with bpf_send_signal_task(SIGSTOP) before it
//     runs. The Tracer attaches the child's probes and sends SIGCONT.
//   - An exec is caught by tp_btf/sched_process_exec, which stops the
//     process; the Tracer probes the new executable when it carries its
//     own allocator (a static binary, or a Rust binary with jemalloc or
//     mimalloc) and the new dynamic loader, then resumes it.
//   - A library the loader maps, at start-up or by dlopen, is caught by a
//     uprobe on the loader's _dl_debug_state, the hook glibc calls for
//     debuggers after mapping and before running any of the library. That
//     uprobe stops the process; the Tracer probes the library's allocator
//     and resumes it.
//   - An exit of the whole thread group (tp_btf/sched_process_exit) removes
//     the process, releases its live blocks as leaked, and detaches its
//     probes in the background.
//
// A parent in the tree that waits with WUNTRACED sees these stops. If the
// Tracer is closed while a process is held, Close resumes it.
//
// Every probe is a uprobe_multi link scoped to one process (one link for
// the entries and one for the returns, per process and binary), so
// processes outside the tree, the runner included, neither pay for the
// probes nor show up in the numbers. Threads are covered by their process's
// links.
//
// # Windows
//
// Begin opens a window and returns once every later allocation is counted;
// End closes it and returns once every event of the window is accounted.
// Both flip the state through a BPF program run with BPF_PROG_TEST_RUN,
// which also writes a mark into the event ring: the probes reserve their
// record before checking whether the window is open, so no record of the
// window can follow End's mark in the ring. BeginAtExec arms a window that
// the exec program opens when the followed process execs, for an exec
// target whose window runs from the command's exec to the exit of its tree
// (TreeExited, then End).
//
// # Events
//
// Allocation records go to a ring buffer written with BPF_RB_NO_WAKEUP and
// read by polling, every 10 ms by default: waking the reader per record
// costs more than the probes. A record that finds the ring full is counted,
// and Metrics.DroppedEvents reports every loss of the window. The numbers
// themselves come from package heap; see its documentation for their exact
// definitions. Nested calls (operator new calling malloc, realloc(NULL, n)
// calling malloc) count once, by a per-thread depth kept in BPF task
// storage.
//
// # Where allocators are found
//
// Package allocsym finds the entry points of glibc, libstdc++'s operators,
// jemalloc, mimalloc and tcmalloc in .symtab, else .dynsym, and places
// each probe. A static executable whose allocator cannot be found, a
// stripped one for instance, is listed in Metrics.Unprobed with the reason.
package capture
