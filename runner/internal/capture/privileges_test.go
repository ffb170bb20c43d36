package capture

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPrivilegesWithoutCapabilities re-runs this test binary as an
// unprivileged user, where CheckPrivileges must refuse and name the fix.
func TestPrivilegesWithoutCapabilities(t *testing.T) {
	if os.Getenv("MEMTALLY_PRIVILEGE_CHILD") == "1" {
		err := CheckPrivileges()
		if !errors.Is(err, ErrPrivileges) {
			t.Fatalf("got %v, want ErrPrivileges", err)
		}
		for _, s := range []string{"CAP_BPF", "CAP_PERFMON", "setcap cap_bpf,cap_perfmon,cap_sys_resource+ep"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error does not mention %q: %v", s, err)
			}
		}
		return
	}
	if os.Geteuid() != 0 {
		// Already unprivileged: check directly.
		if err := CheckPrivileges(); !errors.Is(err, ErrPrivileges) {
			t.Fatalf("got %v, want ErrPrivileges", err)
		}
		return
	}
	// Copy the test binary where the unprivileged user can run it.
	// t.TempDir's parent is private to root, so make one by hand.
	dir, err := os.MkdirTemp("", "memtally-privileges-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "capture.test")
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	cmd := exec.Command(bin, "-test.run=^TestPrivilegesWithoutCapabilities$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MEMTALLY_PRIVILEGE_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "--- PASS") {
		t.Fatalf("unprivileged check failed: %v\n%s", err, b)
	}
}

// TestLoadAttachTime measures New: loading the programs and attaching the
// lifecycle tracepoints, which the runner waits for before it starts.
func TestLoadAttachTime(t *testing.T) {
	requireBPF(t)
	start := time.Now()
	tr, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	defer tr.Close()
	t.Logf("load and attach: %v", loaded)
	if loaded > time.Second {
		t.Errorf("load and attach took %v; the target is 300 ms", loaded)
	}

	cmd := startHeld(t, "/bin/true")
	start = time.Now()
	if err := tr.Follow(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	t.Logf("follow (track a held shell, probed at its first window): %v", time.Since(start))
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}
