package supervise

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/procstat"
)

// member is one process of the tree, known by pid and start time.
type member struct {
	pid       int
	startTime string
}

// killTree kills, without a cgroup, the tree of the command whose pid and
// process group is pgid and which started at startTime: every process of
// the group, and every descendant of the command, however it left the
// group. Members are stopped as they are found, so that none forks behind
// the walk; once a walk finds no new one, all are killed.
func killTree(pgid int, startTime string, timeout time.Duration) error {
	// A signal to a group reaches every member at once, forks in
	// progress included.
	if err := unix.Kill(-pgid, unix.SIGSTOP); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("stop process group %d: %w", pgid, err)
	}
	found := map[int]member{}
	for {
		ms, err := treeMembers(pgid, startTime)
		if err != nil {
			return err
		}
		grew := false
		for _, m := range ms {
			if _, ok := found[m.pid]; !ok {
				found[m.pid] = m
				grew = true
				_ = unix.Kill(m.pid, unix.SIGSTOP)
			}
		}
		if !grew {
			break
		}
	}
	_ = unix.Kill(-pgid, unix.SIGKILL)
	for _, m := range found {
		if same(m) {
			_ = unix.Kill(m.pid, unix.SIGKILL)
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		ms, err := treeMembers(pgid, startTime)
		if err != nil {
			return err
		}
		// Members found earlier count until they are gone, though a
		// dead parent no longer leads the walk to them.
		for _, m := range ms {
			if _, ok := found[m.pid]; !ok {
				found[m.pid] = m
			}
		}
		alive := 0
		for pid, m := range found {
			st, err := procstat.Read(pid)
			if err != nil || st.StartTime != m.startTime || st.Dead() {
				delete(found, pid)
				continue
			}
			alive++
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		if alive == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kill process group %d: %d processes still alive after %v", pgid, alive, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// same reports whether m's pid still names the process found.
func same(m member) bool {
	st, err := procstat.Read(m.pid)
	return err == nil && st.StartTime == m.startTime
}

// treeMembers walks /proc for the processes of group pgid and the
// descendants of its leader, if the leader is still the process that
// started at startTime.
func treeMembers(pgid int, startTime string) ([]member, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	stats := map[int]procstat.Stat{}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procstat.Read(pid)
		if err != nil {
			continue // exited during the walk
		}
		stats[pid] = st
		children[st.PPID] = append(children[st.PPID], pid)
	}
	in := map[int]bool{}
	var out []member
	add := func(pid int) {
		if !in[pid] {
			in[pid] = true
			out = append(out, member{pid, stats[pid].StartTime})
		}
	}
	for pid, st := range stats {
		if st.PGID == pgid {
			add(pid)
		}
	}
	if leader, ok := stats[pgid]; ok && leader.StartTime == startTime {
		queue := []int{pgid}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			add(p)
			queue = append(queue, children[p]...)
		}
	}
	return out, nil
}
