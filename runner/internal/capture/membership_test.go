package capture

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestInTree checks which pids count as the followed tree: the command and
// a grandchild whose parent exited (reparented), while it lives; neither
// the test process nor pid 1.
func TestInTree(t *testing.T) {
	tr := newTracer(t)
	pidFile := filepath.Join(t.TempDir(), "orphan")
	// The inner shell starts sleep in the background and exits at once, so
	// that sleep is reparented before it is looked up.
	cmd := startHeld(t, "/bin/sh", "-c", `/bin/sh -c 'sleep 30 & echo $! > "$1"' sh "$0"; exec sleep 30`, pidFile)
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		t.Fatalf("follow: %v", err)
	}
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var orphan int
	deadline := time.Now().Add(20 * time.Second)
	for orphan == 0 {
		data, _ := os.ReadFile(pidFile)
		if s := strings.TrimSpace(string(data)); strings.HasSuffix(string(data), "\n") {
			orphan, _ = strconv.Atoi(s)
		}
		if time.Now().After(deadline) {
			t.Fatal("the orphan's pid never appeared")
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer unix.Kill(orphan, unix.SIGKILL)

	for _, c := range []struct {
		what string
		pid  int
		want bool
	}{
		{"the command", cmd.Process.Pid, true},
		{"a reparented grandchild", orphan, true},
		{"the test process", os.Getpid(), false},
		{"pid 1", 1, false},
		{"pid 0", 0, false},
	} {
		if got := tr.InTree(c.pid); got != c.want {
			t.Errorf("InTree(%s, pid %d) = %v, want %v", c.what, c.pid, got, c.want)
		}
	}

	// A process leaves the tree when it exits.
	if err := unix.Kill(orphan, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for tr.InTree(orphan) {
		if time.Now().After(deadline) {
			t.Fatal("the killed grandchild is still in the tree")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
}
