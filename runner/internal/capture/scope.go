package capture

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// setScope makes the next window count process pid and its descendants
// alone, or the whole tree with 0. Scoping stays on between windows, so
// that the fork program keeps adding the children of processes in scope: a
// next window in the same process needs nothing more.
func (t *Tracer) setScope(pid int) error {
	t.scopeMu.Lock()
	defer t.scopeMu.Unlock()
	if pid == t.scopePID {
		var v uint8
		if pid == 0 || t.objs.Scope.Lookup(uint32(pid), &v) == nil {
			return nil
		}
	}
	if pid == 0 {
		if err := t.mark(memtallyMarkOpMARK_SCOPE, 0, 0); err != nil {
			return fmt.Errorf("scope window: %w", err)
		}
		t.scopePID = 0
		return nil
	}
	if err := t.clearScope(); err != nil {
		return err
	}
	// On first: from here, a child forked by a process once it is in
	// the map is put there by the fork program, and one forked before
	// is among its parent's children read after that.
	if err := t.mark(memtallyMarkOpMARK_SCOPE, 1, 0); err != nil {
		return fmt.Errorf("scope window: %w", err)
	}
	queue := []uint32{uint32(pid)}
	for len(queue) > 0 {
		tgid := queue[0]
		queue = queue[1:]
		if err := t.objs.Scope.Put(tgid, uint8(1)); err != nil {
			return fmt.Errorf("scope window: %w", err)
		}
		queue = append(queue, childrenOf(tgid)...)
	}
	t.scopePID = pid
	return nil
}

// clearScope empties the scope map.
func (t *Tracer) clearScope() error {
	var keys []uint32
	var key uint32
	var v uint8
	it := t.objs.Scope.Iterate()
	for it.Next(&key, &v) {
		keys = append(keys, key)
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scope window: %w", err)
	}
	for _, k := range keys {
		_ = t.objs.Scope.Delete(k)
	}
	return nil
}

// childrenOf lists the child processes of every thread of tgid; a process
// gone meanwhile has none.
func childrenOf(tgid uint32) []uint32 {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", tgid))
	if err != nil {
		return nil
	}
	var out []uint32
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", tgid, task.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.ParseUint(f, 10, 32); err == nil {
				out = append(out, uint32(n))
			}
		}
	}
	return out
}
