package supervise

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/procstat"
)

// Without a cgroup, the tree is its process group and every descendant of
// its leader, a process that left the group included; stopped and forking
// members die, and nothing outside the tree does.
func TestKillTreeWithoutCgroup(t *testing.T) {
	tree := exec.Command("/bin/sh", "-c", `sleep 100 & sleep 100 & kill -STOP $!; setsid sleep 100 & while :; do /bin/true; done`)
	tree.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	outside := exec.Command("sleep", "100")
	for _, c := range []*exec.Cmd{tree, outside} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.Process.Kill()
	}
	pgid := tree.Process.Pid
	// Wait for the three sleepers, the one outside the group among them.
	// The stopped one may be stopped before its exec.
	var members []member
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := procstat.Read(pgid)
		if err != nil {
			t.Fatal(err)
		}
		if members, err = treeMembers(pgid, st.StartTime); err != nil {
			t.Fatal(err)
		}
		if countSleepers(members) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			var comms []string
			for _, m := range members {
				c, err := readComm(m.pid)
				comms = append(comms, fmt.Sprint(m.pid, c, err))
			}
			t.Fatalf("the tree never had its three sleepers: %v", comms)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, _ := procstat.Read(pgid)
	if err := killTree(pgid, st.StartTime, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	tree.Wait()
	for _, m := range members {
		if s, err := procstat.Read(m.pid); err == nil && s.StartTime == m.startTime && s.State != 'Z' {
			t.Errorf("process %d of the tree is alive (state %c)", m.pid, s.State)
		}
	}
	if err := outside.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process outside the tree was killed: %v", err)
	}
}

func countSleepers(ms []member) int {
	n := 0
	for _, m := range ms {
		st, _ := procstat.Read(m.pid)
		if data, err := readComm(m.pid); err == nil && (data == "sleep" || st.State == 'T') {
			n++
		}
	}
	return n
}

func readComm(pid int) (string, error) {
	out, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(out)), err
}
