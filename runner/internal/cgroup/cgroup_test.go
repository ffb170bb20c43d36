package cgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/procstat"
)

func TestParseMountinfo(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"hybrid", `31 1 0:27 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
42 31 0:39 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`, "/sys/fs/cgroup/unified"},
		{"pure v2", `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`, "/sys/fs/cgroup"},
		{"read-only first", `35 24 0:30 / /ro ro,relatime - cgroup2 cgroup2 ro
36 24 0:30 / /mnt/with\040space rw,relatime - cgroup2 cgroup2 rw
`, "/mnt/with space"},
		{"bind of a subtree", `35 24 0:30 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 rw
`, ""},
		{"v1 only", `42 31 0:39 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMountinfo(strings.NewReader(tc.in))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("found %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestOwnPath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ in, want string }{
		{"9:name=systemd:/\n4:memory:/x\n0::/\n", "/"},
		{"0::/system.slice/runner.service\n", "/system.slice/runner.service"},
		{"4:memory:/x\n", ""},
	} {
		file := filepath.Join(dir, "cgroup")
		os.WriteFile(file, []byte(tc.in), 0o644)
		got, err := ownPath(file)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("ownPath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	got := candidates("/sys/fs/cgroup", "/system.slice/a.service")
	want := []string{"/sys/fs/cgroup/system.slice/a.service", "/sys/fs/cgroup/system.slice"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := candidates("/sys/fs/cgroup", "/"); len(got) != 1 || got[0] != "/sys/fs/cgroup" {
		t.Errorf("root: got %v", got)
	}
}

// Kill ends every process of the group, stopped ones and forking ones
// included, and nothing outside it; Remove leaves no directory.
func TestKillStoppedAndForkingTree(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("making cgroups needs root here")
	}
	g, err := New("memtally-test-" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Remove(5 * time.Second)
	// A held shell, as the runner starts commands: it forks sleepers,
	// one of them stopped, and keeps forking.
	tree := exec.Command("/bin/sh", "-c", `kill -STOP $$; sleep 100 & sleep 100 & kill -STOP $!; while :; do /bin/true; done`)
	tree.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	outside := exec.Command("sleep", "100")
	for _, c := range []*exec.Cmd{tree, outside} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.Process.Kill()
	}
	waitState(t, tree.Process.Pid, 'T')
	if err := g.Add(tree.Process.Pid); err != nil {
		t.Fatal(err)
	}
	tree.Process.Signal(syscall.SIGCONT)
	time.Sleep(100 * time.Millisecond)
	if busy, err := g.Populated(); err != nil || !busy {
		t.Fatalf("populated %v, %v", busy, err)
	}
	if err := g.Remove(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(g.Path); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", g.Path, err)
	}
	if err := tree.Wait(); err == nil || tree.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("the tree's shell ended with %v, want SIGKILL", err)
	}
	if err := outside.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process outside the group was killed: %v", err)
	}
}

func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := procstat.Read(pid); err == nil && st.State == state {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("process %d never reached state %c", pid, state)
}

func TestPopulated(t *testing.T) {
	for in, want := range map[string]bool{"populated 1\nfrozen 0\n": true, "populated 0\nfrozen 0\n": false} {
		got, err := populated(strings.NewReader(in))
		if err != nil || got != want {
			t.Errorf("populated(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := populated(strings.NewReader("frozen 0\n")); err == nil {
		t.Error("no populated line accepted")
	}
}
