//go:build ignore

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//
// memtally's allocation capture. Userspace (runner/internal/capture) loads
// this object with cilium/ebpf, attaches the allocator probes (uprobe_multi
// links, one pair per binary: scoped to one process each, or on every
// process that maps the binary and filtered below by the tracked set: the
// tree's private copies of the allocator libraries, or every binary with
// shared probes) and follows the process tree through the sched tracepoints
// below. See capture/doc.go for the
// whole design; the comments here say why each piece is shaped as it is.

#include "headers/kernel.h"
#include "headers/bpf_helpers.h"
#include "headers/bpf_core_read.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGSTOP 19

extern int bpf_send_signal_task(struct task_struct *task, int sig,
				enum pid_type type, __u64 value) __ksym;

// What a probed function does, carried as the BPF cookie of its probe. The
// argument positions follow the x86-64 SysV ABI (di, si, dx).
enum kind {
	KIND_NONE = 0,
	KIND_MALLOC = 1,         // ret = f(size, ...)
	KIND_CALLOC = 2,         // ret = f(n, size, ...), size = n * size
	KIND_ALIGNED = 3,        // ret = f(align, size)
	KIND_POSIX_MEMALIGN = 4, // int f(void **out, align, size); *out on 0
	KIND_REALLOC = 5,        // ret = f(old, size, ...)
	KIND_REALLOCARRAY = 6,   // ret = f(old, n, size, ...), size = n * size
	KIND_PVALLOC = 7,        // ret = f(size), size rounded up to a page
	KIND_FREE = 8,           // f(ptr, ...) releasing the block itself
	KIND_FREE_WRAPPER = 9,   // f(ptr, ...) that goes on to call a KIND_FREE
	KIND_LOADER = 10,        // the dynamic loader's _dl_debug_state hook
	KIND_NEW = 11,           // operator new(size, ...) that calls malloc
};

// Events of the data ring. The ring's order is not theirs: each CPU gathers
// its allocation events into batches (see record), so every event carries a
// sequence number, and userspace applies the events in that order, up to
// each sync mark (see memtally_mark).
enum event_type {
	EVENT_ALLOC = 1,   // addr, size
	EVENT_FREE = 2,    // addr
	EVENT_REALLOC = 3, // addr (returned), size, and the single_event's old
	EVENT_EXIT = 4,    // the whole thread group tgid is gone
	EVENT_MARK = 5,    // from the mark program: size is its mark_op,
			   // addr the number a waiter gave a sync mark
	EVENT_EXEC = 6,    // tgid replaced its image: its blocks are gone
	EVENT_BATCH = 7,   // a batch_hdr and its CPU's events, in order
};

struct event {
	__u32 type;
	__u32 tgid;
	__u64 seq;
	// Not always read at this event: see event_time.
	__u64 ts;
	__u64 addr;
	__u64 size;
};

// A record holding one event: lifecycle events, marks, reallocs, and events
// their CPU's batch could not take.
struct single_event {
	struct event ev;
	__u64 old;
};

// A record holding a batch: count events of one CPU follow the header.
struct batch_hdr {
	__u32 type; // EVENT_BATCH, where a single_event has its ev.type
	__u32 cpu;
	__u32 count;
	__u32 unused;
};

// Reserving a ring record costs more, on this kind of machine, than the
// rest of a probe's work together; one record per BATCH events makes that
// cost a small part of each.
#define BATCH 32

struct cpu_batch {
	// Set while a program of this CPU adds to the batch: userspace's
	// flush, run on this CPU, must not find it half written, nor may a
	// program that preempted the one adding to it (a preemptible kernel).
	__u32 busy;
	__u32 unused;
	struct batch_hdr hdr;
	struct event ev[BATCH];
};

// What memtally_flush returns.
enum flush_result {
	FLUSH_OK = 0,
	FLUSH_BUSY = 1, // it interrupted a program adding to the batch
	FLUSH_FULL = 2, // the ring had no room for the batch
};

// Records of the control ring: mostly processes held stopped (flags has
// CTL_HELD) until userspace has attached their probes and sent SIGCONT.
enum ctl_type {
	CTL_FORK = 1,   // tgid is a new child of parent
	CTL_EXEC = 2,   // tgid has just exec'd
	CTL_LOADER = 3, // tgid's dynamic loader changed its link map
	CTL_EXIT = 4,   // the whole thread group tgid is gone (not held)
};

enum ctl_flags {
	CTL_HELD = 1, // the process was sent SIGSTOP
};

struct ctl_event {
	__u64 ts;
	__u32 type;
	__u32 tgid;
	__u32 parent;
	__u32 flags;
};

// Commands of the mark program, given as its first context argument.
enum mark_op {
	MARK_BEGIN = 1, // enable emission, then mark
	MARK_END = 2,   // disable emission, then mark
	MARK_ARM = 3,   // enable emission at the next exec of arm_tgid
	MARK_PAUSE = 4, // mark only: userspace stops counting new blocks
	MARK_RESUME = 5, // mark: userspace counts new blocks again
	MARK_SYNC_CLAIM = 6, // take the number of the next sync mark
	MARK_SYNC = 7,   // write the sync mark taken by MARK_SYNC_CLAIM
	MARK_HOLD = 8,   // set probing.holding to the second argument; no mark
	MARK_PROBING = 9, // the third argument's tgid is being probed; no mark
	MARK_PROBED = 10, // done probing it; the second argument: own links
	MARK_SCOPE = 11,  // set state.scoped to the second argument; no mark
};

struct state {
	__u32 enabled;
	__u32 arm_exec;
	__u32 arm_tgid;
	// Changes whenever counting starts or resumes, so that each thread's
	// first event after it carries a clock reading of its own, taken after
	// the mark's (see take_place).
	__u32 epoch;
	// The sequence number of the next sync mark.
	__u64 sync_seq;
	// Set while windows count the processes in scope alone.
	__u32 scoped;
	__u32 unused;
};

// Per-CPU counters of what was lost, summed by userspace.
enum counter {
	// Calls lost in a window: the ring was full, or there was no memory
	// for the thread's state.
	COUNTER_DROPPED = 0,
	// Control records lost: a process ran without being probed.
	COUNTER_CTL_DROPPED = 1,
	// A child could not be tracked.
	COUNTER_TRACKED_FULL = 2,
	// Exit or exec records lost: blocks not released.
	COUNTER_EXIT_DROPPED = 3,
	COUNTER_MAX = 4,
};

struct thread_state {
	__u64 sp;           // stack pointer at the outermost call's entry
	__u64 size;         // its requested size
	__u64 arg;          // its old block (realloc) or out pointer
	__u64 pending_free; // block a wrapper free already reported
	__u64 new_sp;       // stack pointer at a KIND_NEW entry, or 0
	__u64 new_size;     // the size that operator new was asked for
	__u32 depth;        // probed calls in progress on this thread
	__u32 kind;         // the outermost call's kind
	__u64 stamp;        // the thread's last clock reading, for event_time
	__u64 stamp_tick;   // jiffies at that reading
	__u32 stamp_epoch;  // state.epoch at that reading
	__u32 unstamped;    // events given that reading since
};

// At most this many consecutive events of a thread share one clock reading.
#define STAMP_EVERY 16

// Force the enums and structs userspace decodes into BTF for bpf2go -type.
const struct event *unused_event __attribute__((unused));
const struct single_event *unused_single_event __attribute__((unused));
const struct batch_hdr *unused_batch_hdr __attribute__((unused));
const struct cpu_batch *unused_cpu_batch __attribute__((unused));
const enum flush_result *unused_flush_result __attribute__((unused));
const struct ctl_event *unused_ctl_event __attribute__((unused));
const struct file_id *unused_file_id __attribute__((unused));
const struct hold_state *unused_hold_state __attribute__((unused));
const struct own_state *unused_own_state __attribute__((unused));
const enum kind *unused_kind __attribute__((unused));
const enum event_type *unused_event_type __attribute__((unused));
const enum ctl_type *unused_ctl_type __attribute__((unused));
const enum ctl_flags *unused_ctl_flags __attribute__((unused));
const enum mark_op *unused_mark_op __attribute__((unused));
const enum counter *unused_counter __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); // userspace sizes it from Options
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} ctl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   // tgid
	__type(value, __u8);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct state);
} states SEC(".maps");

// How the tree's binaries are probed, and whether its processes are held.
// Outside windows no allocation can count, so no process is held for its
// fork, its exec or its libraries: a harness that starts a runtime or
// forks workers between windows runs at full speed then. The processes
// that changed meanwhile are in unscanned, for userspace to probe before
// the next window opens.
struct hold_state {
	__u32 shared;  // set once by userspace: some links per binary
	__u32 holding; // set by MARK_HOLD while a window is open or armed
};

// With links per binary, a fork needs no hold when its parent's probes are
// all per binary: the child maps its parent's binaries, whose links cover
// it. It needs one when its parent has links of its own, scoped to it,
// which the child does not share, or may have them: while the parent is
// being probed (held at an exec or its loader's hook, or scanned by the
// first Begin), another of its threads can fork before userspace knows
// which links it needs. Every hold and every scan counts in pending, and
// userspace counts each down once it has probed the process (MARK_PROBED);
// the counting is atomic on both sides, so that a hold taken while
// userspace finishes the previous one is never lost.
struct own_state {
	__u32 pending; // holds and scans not yet probed
	__u32 links;   // the process has links of its own
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   // tgid
	__type(value, struct own_state);
} own SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hold_state);
} probing SEC(".maps");

// Processes of the tree forked, exec'd or given libraries since userspace
// last scanned them. Exits remove them.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   // tgid
	__type(value, __u8);
} unscanned SEC(".maps");

// The processes a scoped window counts: the benchmark's own process, the
// one that asked for the window, and its descendants. A harness's other
// processes (the parent that collects results, a sibling service) run on
// their own schedule, and what they allocate during a window is not the
// benchmark's. Userspace puts the process and the descendants it has;
// memtally_fork adds each child of a process in scope while scoping is on,
// so that none forked meanwhile is missed. Exits remove them.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   // tgid
	__type(value, __u8);
} scope SEC(".maps");

// An executable, as its inode.
struct file_id {
	__u64 dev; // the kernel's dev_t of its file system
	__u64 ino;
};

// Executables whose allocator and dynamic loader are probed already by
// links per binary: an exec of one needs no hold, since the libraries its
// loader maps stop it at the loader's hook. Userspace adds them once it has
// handled a process running one. Links scoped to one process leave it
// empty: a process that execs needs its executable's own probes, and an
// executable whose allocator or loader is probed per process is never
// added.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct file_id);
	__type(value, __u8);
} handled SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_batch);
} batches SEC(".maps");

// The next sequence number, alone in its map: every event writes it, and
// every event reads the window state, which should not share its line.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sequence SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// Task-local storage is freed with the thread, so exited threads need no
// cleanup, and the lookup is cheaper than a hash keyed by tid.
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

static __always_inline void count_n(__u32 which, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += n;
}

static __always_inline void count(__u32 which)
{
	count_n(which, 1);
}

static __always_inline __u64 next_seq(void)
{
	__u32 zero = 0;
	__u64 *next = bpf_map_lookup_elem(&sequence, &zero);

	return next ? __sync_fetch_and_add(next, 1) : 0;
}

static __always_inline struct state *get_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&states, &zero);
}

// The time of a thread's event. Reading the clock costs about a fifth of
// what the rest of an event costs here, so a thread reads it for its first
// event after counting starts or resumes, after a scheduler tick, and every
// STAMP_EVERY events; the events in between carry the last reading. The
// timeline, the only user of times, is then off by at most a tick for sparse
// events, and by at most STAMP_EVERY calls of one thread for dense ones.
static __always_inline __u64 event_time(struct thread_state *ts,
					struct state *st)
{
	__u64 tick = bpf_jiffies64();

	if (ts->unstamped >= STAMP_EVERY - 1 || tick != ts->stamp_tick ||
	    st->epoch != ts->stamp_epoch || ts->stamp == 0) {
		ts->stamp = bpf_ktime_get_ns();
		ts->stamp_tick = tick;
		ts->stamp_epoch = st->epoch;
		ts->unstamped = 0;
	} else {
		ts->unstamped++;
	}
	return ts->stamp;
}

// Once a window event has taken its number seq: whether it counts, and
// its time. It counts if counting was still on after the number was taken
// (1), and not if counting had stopped (0): a mark that stops counting does
// so before it takes its own number, so every event numbered after it is
// turned away here, and that is what lets End wait for the CPUs' batches
// alone. The time must not precede the mark that started the window the
// number falls in: the thread's reading is taken after that mark's unless
// counting stopped and started again between the reading and the number
// (the thread was preempted there). The reading is then taken again, and
// the number after it; -1 if that happened twice over, and the event is
// lost.
static __always_inline int take_place(struct state *st,
				      struct thread_state *ts, __u64 *seq,
				      __u64 *time)
{
	if (*(volatile __u32 *)&st->epoch != ts->stamp_epoch) {
		*time = event_time(ts, st);
		*seq = next_seq();
		if (*(volatile __u32 *)&st->epoch != ts->stamp_epoch)
			return -1;
	}
	return *(volatile __u32 *)&st->enabled != 0;
}

// Write one event in a record of its own. Its sequence number is taken
// after the record is reserved, so that the record lies in the ring before
// any sync mark numbered after it. A window event (st and ts given) goes
// through take_place. Returns -1 for an event lost.
static __always_inline int emit_single(struct state *st,
				       struct thread_state *ts, __u32 type,
				       __u32 tgid, __u64 time, __u64 addr,
				       __u64 size, __u64 old, __u64 wakeup)
{
	struct single_event *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	int place = 1;
	__u64 seq;

	if (!r)
		return -1;
	seq = next_seq();
	if (st && ts)
		place = take_place(st, ts, &seq, &time);
	if (place <= 0) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return place;
	}
	r->ev.seq = seq;
	r->ev.type = type;
	r->ev.tgid = tgid;
	r->ev.ts = time;
	r->ev.addr = addr;
	r->ev.size = size;
	r->old = old;
	// Userspace polls this ring: a wakeup per record costs more than
	// the probe itself.
	bpf_ringbuf_submit(r, wakeup);
	return 0;
}

// Report an exit or exec of a tracked process, in or out of a window.
static __always_inline void emit_lifecycle(__u32 type, __u32 tgid)
{
	if (emit_single(NULL, NULL, type, tgid, bpf_ktime_get_ns(), 0, 0, 0,
			BPF_RB_NO_WAKEUP))
		count(COUNTER_EXIT_DROPPED);
}

// Record an allocation event of the current thread in the open window.
static __always_inline void record(struct thread_state *ts, __u32 type,
				   __u64 addr, __u64 size, __u64 old)
{
	struct state *st = get_state();
	struct cpu_batch *b;
	__u32 zero = 0;
	struct event *e;
	__u64 seq, time;
	__u32 tgid, n;
	int place;

	if (!st || !st->enabled)
		return;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (*(volatile __u32 *)&st->scoped &&
	    !bpf_map_lookup_elem(&scope, &tgid))
		return;
	time = event_time(ts, st);
	b = bpf_map_lookup_elem(&batches, &zero);
	if (type == EVENT_REALLOC || !b ||
	    __sync_val_compare_and_swap(&b->busy, 0, 1) != 0) {
		if (emit_single(st, ts, type, tgid, time, addr, size, old,
				BPF_RB_NO_WAKEUP) < 0)
			count(COUNTER_DROPPED);
		return;
	}
	seq = next_seq();
	place = take_place(st, ts, &seq, &time);
	if (place <= 0) {
		if (place < 0)
			count(COUNTER_DROPPED);
		goto out;
	}
	n = b->hdr.count;
	if (n >= BATCH) {
		// Never: count stays below BATCH. The check is the
		// verifier's.
		count(COUNTER_DROPPED);
		goto out;
	}
	e = &b->ev[n];
	e->type = type;
	e->tgid = tgid;
	e->seq = seq;
	e->ts = time;
	e->addr = addr;
	e->size = size;
	n++;
	if (n == BATCH) {
		b->hdr.type = EVENT_BATCH;
		b->hdr.cpu = bpf_get_smp_processor_id();
		b->hdr.count = n;
		if (bpf_ringbuf_output(&events, &b->hdr,
				       sizeof(b->hdr) + sizeof(b->ev),
				       BPF_RB_NO_WAKEUP))
			count_n(COUNTER_DROPPED, BATCH);
		n = 0;
	}
	b->hdr.count = n;
out:
	// The flush runs on this CPU, which sees its own stores in program
	// order: only the compiler could move the batch's writes past this.
	asm volatile("" ::: "memory");
	b->busy = 0;
}

static __always_inline int is_tracked(__u32 tgid)
{
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

static __always_inline struct hold_state *get_hold(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&probing, &zero);
}

// Record that tgid changed, then tell whether it must be held. The atomic
// read is a full barrier after the record, and MARK_HOLD turns holding on
// with one before userspace reads unscanned: either this sees holding on,
// or userspace sees the record. A change neither held nor recorded could
// run unprobed in a window.
static __always_inline int changed_hold(__u32 tgid, struct hold_state *p)
{
	__u8 one = 1;

	if (bpf_map_update_elem(&unscanned, &tgid, &one, BPF_ANY)) {
		// Held or not, its next window would miss what it changed.
		count(COUNTER_TRACKED_FULL);
	}
	return __sync_fetch_and_add(&p->holding, 0) != 0;
}

// Count a hold or scan of tgid in pending, with links per binary.
static __always_inline void probing_own(__u32 tgid, struct hold_state *p)
{
	struct own_state zero = {}, *o;

	if (!p->shared)
		return;
	o = bpf_map_lookup_elem(&own, &tgid);
	if (!o) {
		// BPF_NOEXIST: another CPU may have made it meanwhile.
		bpf_map_update_elem(&own, &tgid, &zero, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&own, &tgid);
		if (!o) {
			// Without its entry its forks would go unheld.
			count(COUNTER_TRACKED_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&o->pending, 1);
}

// Whether a fork by ptgid needs a hold with links per binary: the parent
// has links of its own, is being probed, or is not scanned yet (its first
// scan may give it links of its own, and a child forked after the scan
// read unscanned would never be scanned).
static __always_inline int fork_needs_hold(__u32 ptgid)
{
	struct own_state *o = bpf_map_lookup_elem(&own, &ptgid);

	if (o && (o->links || __sync_fetch_and_add(&o->pending, 0)))
		return 1;
	return bpf_map_lookup_elem(&unscanned, &ptgid) != NULL;
}

static __always_inline void loader_stop(__u64 id)
{
	struct ctl_event *c = bpf_ringbuf_reserve(&ctl_events, sizeof(*c), 0);

	if (!c) {
		count(COUNTER_CTL_DROPPED);
		return;
	}
	// Stop before telling userspace, so its SIGCONT cannot come first.
	bpf_send_signal(SIGSTOP);
	c->ts = bpf_ktime_get_ns();
	c->type = CTL_LOADER;
	c->tgid = id >> 32;
	c->parent = 0;
	c->flags = CTL_HELD;
	bpf_ringbuf_submit(c, BPF_RB_FORCE_WAKEUP);
}

static __always_inline void on_free(struct thread_state *ts, __u32 kind,
				    __u64 ptr)
{

	if (ptr == 0)
		return;
	// A delete that calls free reports the block once, at the outer call.
	if (ts->pending_free == ptr) {
		if (kind == KIND_FREE)
			ts->pending_free = 0;
		return;
	}
	ts->pending_free = kind == KIND_FREE_WRAPPER ? ptr : 0;
	record(ts, EVENT_FREE, ptr, 0, 0);
}

// The product of two sizes, saturated: an overflowing reallocarray fails
// and leaves its block alone, which a wrapped product of 0 would turn into
// realloc(p, 0), a free.
static __always_inline __u64 mul_sat(__u64 a, __u64 b)
{
	__u64 limit;

	if (((a | b) >> 32) == 0 || a == 0)
		return a * b;
	limit = ~0ULL / a;
	// Keep clang from folding the check into a 128-bit multiply, which
	// BPF lacks.
	asm volatile("" : "+r"(limit));
	if (b > limit)
		return ~0ULL;
	return a * b;
}

SEC("uprobe.multi")
int memtally_entry(struct pt_regs *ctx)
{
	__u32 kind = (__u32)bpf_get_attach_cookie(ctx);
	struct thread_state *ts;
	__u64 size;

	__u64 id = bpf_get_current_pid_tgid();

	// Shared links cover every process that maps the binary: only the
	// tree's calls go on. Links scoped to one process never get here for
	// another, and the tracked set is empty once the Tracer is closed.
	if (!is_tracked(id >> 32))
		return 0;
	if (kind == KIND_LOADER) {
		struct hold_state *p = get_hold();

		if (p && changed_hold(id >> 32, p)) {
			probing_own(id >> 32, p);
			loader_stop(id);
		}
		return 0;
	}
	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		// No memory for the thread's state: this call is lost.
		count(COUNTER_DROPPED);
		return 0;
	}
	// A call whose return probe never ran (a longjmp, or operator new
	// throwing) leaves depth behind. Calls nested inside the outermost one
	// always run deeper in the stack, so an entry at or above its stack
	// pointer means the outermost call is gone.
	if (ts->depth > 0 && ctx->sp >= ts->sp)
		ts->depth = 0;
	if (kind == KIND_FREE || kind == KIND_FREE_WRAPPER) {
		if (ts->depth == 0)
			on_free(ts, kind, ctx->di);
		return 0;
	}
	// libstdc++'s operator new gets no return probe: a uretprobe replaces
	// the return address, and a bad_alloc thrown from new could then not
	// be unwound, killing the program. The malloc it calls reports the
	// block, with the size new was asked for (aligned new rounds it up).
	if (kind == KIND_NEW) {
		if (ts->depth == 0) {
			ts->new_sp = ctx->sp;
			ts->new_size = ctx->di;
		}
		return 0;
	}
	ts->depth++;
	if (ts->depth != 1)
		return 0;
	switch (kind) {
	case KIND_CALLOC:
		size = mul_sat(ctx->di, ctx->si);
		ts->arg = 0;
		break;
	case KIND_ALIGNED:
		size = ctx->si;
		ts->arg = 0;
		break;
	case KIND_POSIX_MEMALIGN:
		size = ctx->dx;
		ts->arg = ctx->di;
		break;
	case KIND_REALLOC:
		size = ctx->si;
		ts->arg = ctx->di;
		break;
	case KIND_REALLOCARRAY:
		size = mul_sat(ctx->si, ctx->dx);
		ts->arg = ctx->di;
		break;
	case KIND_PVALLOC:
		size = (ctx->di + 4095) & ~4095ULL;
		ts->arg = 0;
		break;
	default:
		size = ctx->di;
		ts->arg = 0;
		break;
	}
	// Called from within the pending operator new (deeper in the stack):
	// the block is new's. Either way the pending new is used up, so the
	// exception object a failing new allocates counts as itself.
	if (ts->new_sp != 0 && ctx->sp < ts->new_sp)
		size = ts->new_size;
	ts->new_sp = 0;
	ts->sp = ctx->sp;
	ts->size = size;
	ts->kind = kind;
	return 0;
}

SEC("uretprobe.multi")
int memtally_return(struct pt_regs *ctx)
{
	struct thread_state *ts;
	__u64 ret = ctx->ax;
	__u64 addr = 0;

	if (!is_tracked(bpf_get_current_pid_tgid() >> 32))
		return 0;
	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!ts || ts->depth == 0)
		return 0;
	ts->depth--;
	if (ts->depth != 0)
		return 0;
	// Any block the outer call returns is new, so a stale pending free
	// cannot hide a later free of the same address.
	ts->pending_free = 0;
	switch (ts->kind) {
	case KIND_POSIX_MEMALIGN:
		if ((int)ret != 0)
			return 0;
		if (bpf_probe_read_user(&addr, sizeof(addr), (void *)ts->arg))
			return 0;
		break;
	case KIND_REALLOC:
	case KIND_REALLOCARRAY:
		if (ret == 0 && ts->arg == 0)
			return 0;
		record(ts, EVENT_REALLOC, ret, ts->size, ts->arg);
		return 0;
	default:
		addr = ret;
		break;
	}
	if (addr == 0)
		return 0;
	record(ts, EVENT_ALLOC, addr, ts->size, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int memtally_fork(__u64 *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx[0];
	struct task_struct *child = (struct task_struct *)ctx[1];
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	struct hold_state *p = get_hold();
	struct ctl_event *c;
	__u8 one = 1;

	// The event fires for new threads too; they share the tgid's probes.
	if (child->pid != child->tgid || !is_tracked(ptgid))
		return 0;
	if (bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY)) {
		count(COUNTER_TRACKED_FULL);
		return 0;
	}
	{
		struct state *st = get_state();

		if (st && *(volatile __u32 *)&st->scoped &&
		    bpf_map_lookup_elem(&scope, &ptgid) &&
		    bpf_map_update_elem(&scope, &ctgid, &one, BPF_ANY))
			// Its allocations would be left out of the window.
			count(COUNTER_TRACKED_FULL);
	}
	// Tracked before it first runs, the child needs nothing more outside
	// windows (userspace scans it before the next), nor when its parent's
	// probes are all per binary (see own_state).
	if (!p || !changed_hold(ctgid, p))
		return 0;
	if (p->shared && !fork_needs_hold(ptgid)) {
		// Holding is on, so a later change of the child is held: it
		// needs no scan, and its own forks no hold for one.
		bpf_map_delete_elem(&unscanned, &ctgid);
		return 0;
	}
	probing_own(ctgid, p);
	c = bpf_ringbuf_reserve(&ctl_events, sizeof(*c), 0);
	if (!c) {
		count(COUNTER_CTL_DROPPED);
		return 0;
	}
	// Stop the child before it first runs, and before telling userspace,
	// so userspace's SIGCONT cannot come first. A vfork child is held
	// too: uprobe_multi links only fire for their own thread group, so
	// it needs probes of its own even while it shares its parent's mm.
	bpf_send_signal_task(child, SIGSTOP, PIDTYPE_TGID, 0);
	c->ts = bpf_ktime_get_ns();
	c->type = CTL_FORK;
	c->tgid = ctgid;
	c->parent = ptgid;
	c->flags = CTL_HELD;
	bpf_ringbuf_submit(c, BPF_RB_FORCE_WAKEUP);
	return 0;
}

// Whether an exec of bprm's file by tgid needs a hold: while processes are
// held, unless probes are shared and the executable is handled already.
static __always_inline int exec_needs_hold(__u32 tgid,
					   struct linux_binprm *bprm)
{
	struct hold_state *p = get_hold();
	struct file_id id = {};
	struct inode *inode;

	if (!p || !changed_hold(tgid, p))
		return 0;
	if (!p->shared)
		return 1;
	inode = bprm->file->f_inode;
	id.dev = inode->i_sb->s_dev;
	id.ino = inode->i_ino;
	if (bpf_map_lookup_elem(&handled, &id) == NULL)
		return 1;
	// As for a fork let go (memtally_fork): holding is on.
	bpf_map_delete_elem(&unscanned, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int memtally_exec(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx[2];
	__u32 tgid = task->tgid;
	struct state *st = get_state();
	struct ctl_event *c;

	if (!is_tracked(tgid))
		return 0;
	// Like an exit, an exec releases every block of the old image. Not
	// gated on a window, like exits.
	emit_lifecycle(EVENT_EXEC, tgid);
	// An exec target's window opens here, before the new image runs an
	// instruction, so a wrapper shell's own allocations stay outside it.
	if (st && st->arm_exec && st->arm_tgid == tgid) {
		struct single_event *r =
			bpf_ringbuf_reserve(&events, sizeof(*r), 0);

		if (r) {
			r->ev.type = EVENT_MARK;
			r->ev.tgid = tgid;
			// Time and number first, as memtally_mark's.
			r->ev.ts = bpf_ktime_get_ns();
			r->ev.seq = next_seq();
			r->ev.addr = 0;
			r->ev.size = 0;
			r->old = 0;
		} else {
			// Userspace opens the window at its first event.
			count(COUNTER_DROPPED);
		}
		st->arm_exec = 0;
		st->epoch++;
		st->enabled = 1;
		if (r)
			bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
	if (!exec_needs_hold(tgid, bprm))
		return 0;
	{
		struct hold_state *p = get_hold();

		if (p)
			probing_own(tgid, p);
	}
	c = bpf_ringbuf_reserve(&ctl_events, sizeof(*c), 0);
	if (!c) {
		count(COUNTER_CTL_DROPPED);
		return 0;
	}
	bpf_send_signal(SIGSTOP);
	c->ts = bpf_ktime_get_ns();
	c->type = CTL_EXEC;
	c->tgid = tgid;
	c->parent = 0;
	c->flags = CTL_HELD;
	bpf_ringbuf_submit(c, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int memtally_exit(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx[0];
	bool group_dead = (bool)ctx[1];
	__u32 tgid = task->tgid;
	struct ctl_event *c;

	if (!group_dead || !is_tracked(tgid))
		return 0;
	bpf_map_delete_elem(&tracked, &tgid);
	bpf_map_delete_elem(&unscanned, &tgid);
	bpf_map_delete_elem(&own, &tgid);
	bpf_map_delete_elem(&scope, &tgid);
	// The data ring orders the exit after the process's last allocations,
	// which is what releasing its blocks needs; that ring may be full,
	// though, and userspace must learn of every exit to know when the
	// tree is gone, so the small control ring gets it too.
	emit_lifecycle(EVENT_EXIT, tgid);
	c = bpf_ringbuf_reserve(&ctl_events, sizeof(*c), 0);
	if (!c) {
		count(COUNTER_CTL_DROPPED);
		return 0;
	}
	c->ts = bpf_ktime_get_ns();
	c->type = CTL_EXIT;
	c->tgid = tgid;
	c->parent = 0;
	c->flags = 0;
	bpf_ringbuf_submit(c, BPF_RB_FORCE_WAKEUP);
	return 0;
}

// Never attached: userspace runs it with BPF_PROG_TEST_RUN to change the
// window state and leave a mark in the data ring, which carries the time
// the change took effect: every event counted after a mark that starts
// counting reads the clock after the mark did and is numbered after it, and
// every event counted before a mark that stops counting read the clock
// before the mark did and is numbered before it. A mark changes the state
// only once its record is reserved, so that a full ring, which userspace
// waits out and runs the mark again, leaves the state as it was.
//
// Sync marks are what let userspace apply the events in order. It takes a
// sync mark's number (MARK_SYNC_CLAIM), flushes every CPU's batch
// (memtally_flush), then writes the mark (MARK_SYNC): every event numbered
// before the mark then lies before it in the ring, in a batch that was full
// or flushed, or in a record of its own, reserved before its number was
// taken. To close a window, MARK_END stops counting first; once the CPUs are
// flushed, no event of the window is left to be numbered, and the sync mark
// that follows ends it.
SEC("raw_tp/memtally_mark")
int memtally_mark(__u64 *ctx)
{
	__u32 op = (__u32)ctx[0];
	struct state *st = get_state();
	struct single_event *r;

	if (!st)
		return 1;
	switch (op) {
	case MARK_HOLD: {
		struct hold_state *p = get_hold();

		if (!p)
			return 1;
		// An exchange, a full barrier: see changed_hold.
		__sync_lock_test_and_set(&p->holding, (__u32)ctx[1]);
		return 0;
	}
	case MARK_PROBING: {
		struct hold_state *p = get_hold();

		if (p)
			probing_own((__u32)ctx[2], p);
		return 0;
	}
	case MARK_PROBED: {
		__u32 tgid = (__u32)ctx[2];
		struct own_state *o = bpf_map_lookup_elem(&own, &tgid);

		if (!o)
			return 0;
		// Links of its own stay until it exits; a fork needs a hold
		// from the moment they may fire.
		if (ctx[1])
			o->links = 1;
		if (__sync_fetch_and_add(&o->pending, 0) > 0)
			__sync_fetch_and_sub(&o->pending, 1);
		return 0;
	}
	case MARK_SCOPE:
		st->scoped = (__u32)ctx[1];
		return 0;
	case MARK_SYNC_CLAIM:
		st->sync_seq = next_seq();
		return 0;
	case MARK_SYNC:
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
		if (!r)
			return 2;
		r->ev.type = EVENT_MARK;
		r->ev.tgid = 0;
		r->ev.seq = st->sync_seq;
		r->ev.ts = bpf_ktime_get_ns();
		// The number End waits for.
		r->ev.addr = (__u32)ctx[1];
		r->ev.size = op;
		r->old = 0;
		// Only End waits for a sync mark; the periodic ones are
		// found at the next poll.
		bpf_ringbuf_submit(r, ctx[1] ? BPF_RB_FORCE_WAKEUP
					   : BPF_RB_NO_WAKEUP);
		return 0;
	case MARK_BEGIN:
	case MARK_END:
	case MARK_ARM:
	case MARK_PAUSE:
	case MARK_RESUME:
		break;
	default:
		return 1;
	}
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return 2;
	if (op == MARK_END) {
		st->arm_exec = 0;
		st->enabled = 0;
		// next_seq's atomic add is a full barrier: the store above is
		// visible to every CPU before the number is taken and the clock
		// read, so an event that still saw counting on took its number
		// and read its time before these.
		r->ev.seq = next_seq();
		r->ev.ts = bpf_ktime_get_ns();
	} else {
		// Stored before the number is taken, and both before the state
		// changes: an event that sees the change reads the clock
		// after this reading, and takes a number after this one.
		r->ev.ts = bpf_ktime_get_ns();
		r->ev.seq = next_seq();
		switch (op) {
		case MARK_BEGIN:
			st->arm_exec = 0;
			st->epoch++;
			st->enabled = 1;
			break;
		case MARK_RESUME:
			st->epoch++;
			break;
		case MARK_ARM:
			st->enabled = 0;
			st->arm_tgid = (__u32)ctx[2];
			st->arm_exec = 1;
			break;
		}
	}
	r->ev.type = EVENT_MARK;
	r->ev.tgid = 0;
	r->ev.addr = 0;
	// The op tells userspace the marks apart.
	r->ev.size = op;
	r->old = 0;
	// Nobody waits for these: End waits for the sync mark after its own.
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

// Never attached: userspace runs it on each CPU in turn (BPF_PROG_TEST_RUN
// with BPF_F_TEST_RUN_ON_CPU, an interrupt of that CPU) to write out the
// CPU's partial batch.
SEC("raw_tp/memtally_flush")
int memtally_flush(__u64 *ctx)
{
	struct cpu_batch *b;
	__u32 zero = 0;
	__u32 n;

	b = bpf_map_lookup_elem(&batches, &zero);
	if (!b)
		return FLUSH_OK;
	// It interrupted a program adding to the batch: userspace tries
	// again once that program has run on.
	if (b->busy)
		return FLUSH_BUSY;
	n = b->hdr.count;
	if (n == 0)
		return FLUSH_OK;
	if (n > BATCH)
		n = BATCH;
	b->hdr.type = EVENT_BATCH;
	b->hdr.cpu = bpf_get_smp_processor_id();
	b->hdr.count = n;
	if (bpf_ringbuf_output(&events, &b->hdr,
			       sizeof(b->hdr) + n * sizeof(struct event), 0))
		return FLUSH_FULL;
	b->hdr.count = 0;
	return FLUSH_OK;
}
