package fifo

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// helperVar makes the test binary a process that creates a FIFO pair,
// prints its directory and waits to be killed, as a runner does.
const helperVar = "MEMTALLY_FIFO_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperVar) == "1" {
		p, err := Create()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(p.Dir)
		select {}
	}
	os.Exit(m.Run())
}

// startOwner starts a process that holds a FIFO directory in tmp.
func startOwner(t *testing.T, tmp string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperVar+"=1", "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the helper's directory: %v", err)
	}
	return cmd, strings.TrimSpace(line)
}

// A directory whose owner was killed is swept; one whose owner lives, one
// without a lock file, and one of a file that is not a directory are not.
func TestSweepRemovesOnlyDeadOwners(t *testing.T) {
	tmp := t.TempDir()
	dead, deadDir := startOwner(t, tmp)
	_, liveDir := startOwner(t, tmp)
	if err := dead.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	dead.Wait()
	unlocked := filepath.Join(tmp, pattern+"nolock")
	if err := os.Mkdir(unlocked, 0o700); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(tmp, pattern+"file")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	removed, err := Sweep(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != deadDir {
		t.Errorf("removed %v, want only %s", removed, deadDir)
	}
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("the dead owner's directory is still there: %v", err)
	}
	for _, keep := range []string{liveDir, unlocked, plain} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed: %v", keep, err)
		}
	}
	for _, name := range []string{"ctl", "ack", lockName} {
		if _, err := os.Stat(filepath.Join(liveDir, name)); err != nil {
			t.Errorf("the live owner's %s: %v", name, err)
		}
	}
}

// Close removes the directory with its lock, and the pair's own lock keeps
// a sweep in the same process away while it is open.
func TestSweepSparesOpenPair(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p, err := Create()
	if err != nil {
		t.Fatal(err)
	}
	if removed, err := Sweep(tmp); err != nil || len(removed) != 0 {
		t.Fatalf("Sweep removed %v (%v) while the pair is open", removed, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s left after Close: %v", p.Dir, err)
	}
}
