package capture

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/allocsym"
)

// hold makes the tree's processes held at every fork, exec and library
// their probes need, from the tree's first window (or its arming) until the
// tree is gone, and probes every process that changed before. Until then
// nothing is held: no allocation can count, and a harness that forks
// workers or starts a runtime before its first benchmark runs at full
// speed. The BPF side records those processes in unscanned; turning
// holding on first means that any change recorded after the read below is
// held instead (see changed_hold in bpf/memtally.c). Holding stays on
// between windows: a process forked between two would otherwise be scanned
// by the next Begin, on the critical path of the harness's start, rather
// than at its fork, in the background of the harness's run.
//
// The processes read here were running, and each is stopped while it is
// scanned (stopWhile), as every other process is stopped while its probes
// go in: links attached to a process running through the probed code were
// measured not firing for it, a window of 50 ms of a process calling malloc
// and free in a loop counting nothing in about one tree in sixty, with
// either kind of probes (TestProbedInLoop); none in 600 with the process
// stopped. A library one maps once its loader's hook is attached stops it
// at the hook; one mapped before is in its mappings when the second scan
// reads them.
func (t *Tracer) hold() error {
	t.holdMu.Lock()
	defer t.holdMu.Unlock()
	t.mu.Lock()
	on := t.holding
	t.mu.Unlock()
	if on {
		return nil
	}
	if err := t.mark(memtallyMarkOpMARK_HOLD, 1, 0); err != nil {
		return fmt.Errorf("hold the tree: %w", err)
	}
	t.mu.Lock()
	t.holding = true
	t.mu.Unlock()
	var pids []uint32
	var key uint32
	var v uint8
	it := t.objs.Unscanned.Iterate()
	for it.Next(&key, &v) {
		pids = append(pids, key)
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("read unscanned processes: %w", err)
	}
	for _, tgid := range pids {
		p := t.process(tgid)
		// Its forks stay held until it is probed (see own_state).
		t.probingOwn(p)
		// Deleted before the scan: a change after it is recorded anew.
		if err := t.objs.Unscanned.Delete(tgid); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("read unscanned processes: %w", err)
		}
		// Under p.mu, the control reader cannot resume p while it is
		// scanned: it resumes a held process only once it has probed
		// it, under p.mu too.
		p.mu.Lock()
		stopWhile(tgid, func() {
			for range 2 {
				// A process that exits meanwhile needs no probes.
				_ = t.attachLocked(p)
			}
		})
		p.mu.Unlock()
		t.probedOwn(p)
		if !t.InTree(int(tgid)) {
			// It exited before its entry was made, and its exit
			// may have been handled already: forget it again, or
			// the tree would never be gone.
			t.exited(tgid)
		}
	}
	return nil
}

// stopWhile runs fn with every thread of process tgid stopped, and resumes
// it after. A process stopped already is left as it is: whoever stopped
// it, its parent, its user, or the programs holding it for its probes,
// resumes it. SIGSTOP is sent again every stopResend while the process
// runs, in case a SIGCONT cancelled it. One that does not stop within
// stopWait (its threads in an uninterruptible sleep, not running its code)
// is scanned all the same.
func stopWhile(tgid uint32, fn func()) {
	if stopped(tgid) {
		fn()
		return
	}
	deadline := time.Now().Add(stopWait)
	var sent time.Time
	for ; !stopped(tgid) && time.Now().Before(deadline); time.Sleep(50 * time.Microsecond) {
		if time.Since(sent) >= stopResend {
			if unix.Kill(int(tgid), unix.SIGSTOP) != nil {
				break // gone: nothing to stop or probe
			}
			sent = time.Now()
		}
	}
	fn()
	_ = unix.Kill(int(tgid), unix.SIGCONT)
}

// stopResend is how often stopWhile sends SIGSTOP again.
const stopResend = 10 * time.Millisecond

// stopWait bounds how long stopWhile waits for a process to stop.
const stopWait = 5 * time.Second

// stopped reports whether every thread of tgid is stopped, or it is gone.
func stopped(tgid uint32) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", tgid))
	if err != nil {
		return true
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", tgid, task.Name()))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) {
			continue
		}
		switch stat[i+2] {
		case 'T', 't', 'Z', 'X':
		default:
			return false
		}
	}
	return true
}

// treeGone stops holding once tree is gone, for the next tree. A caller
// that does not wait for TreeExited may follow the next tree meanwhile,
// and even hold it: holding is then that tree's, and stays. The shared
// probes, if any, stay for the next tree (see sharedProbes).
func (t *Tracer) treeGone(tree uint64) {
	t.holdMu.Lock()
	defer t.holdMu.Unlock()
	t.mu.Lock()
	if t.tree != tree {
		t.mu.Unlock()
		return
	}
	t.holding = false
	t.mu.Unlock()
	// Nothing is left to hold; a failure leaves the next tree held from
	// its start, which costs it speed, not numbers. A tree followed from
	// here on sees holding off, and is scanned by its first hold, which
	// waits for holdMu, so after this.
	_ = t.mark(memtallyMarkOpMARK_HOLD, 0, 0)
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

// exePath is the executable of tgid, as the process sees it.
func exePath(tgid uint32) string {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", tgid))
	return exe
}
