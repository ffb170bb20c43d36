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
)

func TestParseStat(t *testing.T) {
	line := "1234 (a (b) c) T 1 1234 1234 0 -1 4194368 0 0 0 0 1 2 0 0 20 0 1 0 98765 0 0\n"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.state != 'T' || st.ppid != 1 || st.pgid != 1234 || st.flags != 4194368 || st.startTime != "98765" {
		t.Errorf("parsed %+v", st)
	}
	if _, err := parseStat([]byte("1234 (x) R 1")); err == nil {
		t.Error("a short line was accepted")
	}
}

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
		st, err := readStat(pgid)
		if err != nil {
			t.Fatal(err)
		}
		if members, err = treeMembers(pgid, st.startTime); err != nil {
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
	st, _ := readStat(pgid)
	if err := killTree(pgid, st.startTime, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	tree.Wait()
	for _, m := range members {
		if s, err := readStat(m.pid); err == nil && s.startTime == m.startTime && s.state != 'Z' {
			t.Errorf("process %d of the tree is alive (state %c)", m.pid, s.state)
		}
	}
	if err := outside.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process outside the tree was killed: %v", err)
	}
}

func countSleepers(ms []member) int {
	n := 0
	for _, m := range ms {
		st, _ := readStat(m.pid)
		if data, err := readComm(m.pid); err == nil && (data == "sleep" || st.state == 'T') {
			n++
		}
	}
	return n
}

func readComm(pid int) (string, error) {
	out, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(out)), err
}
