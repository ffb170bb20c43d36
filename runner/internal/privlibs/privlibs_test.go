package privlibs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/testutil"
)

func requireRoot(t *testing.T) {
	t.Helper()
	requireRootB(t)
}

func requireRootB(t testing.TB) {
	t.Helper()
	var unavailable error
	if os.Geteuid() != 0 {
		unavailable = errors.New("a mount namespace needs root")
	}
	testutil.RequireBPF(t, unavailable)
}

func libc(t *testing.T) string {
	t.Helper()
	for _, p := range Candidates() {
		if filepath.Base(p) == "libc.so.6" {
			return p
		}
	}
	t.Fatalf("no libc.so.6 among %q", Candidates())
	return ""
}

func TestCandidatesAreFiles(t *testing.T) {
	libc(t)
	for _, p := range Candidates() {
		if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() {
			t.Errorf("%s: not a regular file (%v)", p, err)
		}
	}
}

// A command started in the namespace maps the copies, byte for byte the
// machine's libraries; the machine's own paths are left as they were.
func TestCommandMapsCopies(t *testing.T) {
	requireRoot(t)
	path := libc(t)
	var host unix.Stat_t
	if err := unix.Stat(path, &host); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "memtally-libs-*"))
	ns, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	var copied *Library
	for i, l := range ns.Libraries() {
		if l.Path == path {
			copied = &ns.Libraries()[i]
		}
	}
	if copied == nil {
		t.Fatalf("libc %s not among %+v", path, ns.Libraries())
	}
	if copied.Ino == host.Ino && copied.Dev == host.Dev {
		t.Fatalf("the copy is the machine's file: %+v", copied)
	}
	// The shell's own libc, and a checksum of the file at the path.
	var out bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", `grep -m1 'libc.so.6' /proc/self/maps | awk '{print $4, $5}'; cksum < "$1"; { echo ok > "$1"; } 2>/dev/null || echo read-only`, "sh", path)
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := ns.Run(cmd.Start); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("output: %q", out.String())
	}
	var maj, min, ino uint64
	if _, err := fmtSscanf(lines[0], &maj, &min, &ino); err != nil {
		t.Fatalf("maps line %q: %v", lines[0], err)
	}
	if ino != copied.Ino || maj != uint64(unix.Major(copied.Dev)) || min != uint64(unix.Minor(copied.Dev)) {
		t.Errorf("the command maps libc %x:%x %d, want the copy %x:%x %d", maj, min, ino, unix.Major(copied.Dev), unix.Minor(copied.Dev), copied.Ino)
	}
	want, err := exec.Command("/bin/sh", "-c", `cksum < "$1"`, "sh", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if lines[1] != strings.TrimSpace(string(want)) {
		t.Errorf("the copy's checksum %q, the machine's %q", lines[1], want)
	}
	if lines[2] != "read-only" {
		t.Errorf("the command could write its libc: %q", lines[2])
	}
	var after unix.Stat_t
	if err := unix.Stat(path, &after); err != nil || after.Ino != host.Ino || after.Dev != host.Dev {
		t.Errorf("the machine's %s changed: %+v, %v", path, after, err)
	}
	// This goroutine's thread, not the process's first, which may be
	// the one New left in the namespace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mounts, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mounts, []byte("memtally-libs")) {
		t.Errorf("the copies are mounted outside the namespace:\n%s", mounts)
	}
	now, _ := filepath.Glob(filepath.Join(os.TempDir(), "memtally-libs-*"))
	if len(now) != len(before) {
		t.Errorf("directories left behind: %q, before %q", now, before)
	}
}

// A closed namespace starts nothing.
func TestRunAfterClose(t *testing.T) {
	requireRoot(t)
	ns, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Close(); err != nil {
		t.Fatal(err)
	}
	started := false
	err = ns.Run(func() error { started = true; return nil })
	if err == nil || started || !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Run after Close: %v, started %v; want EBADF and nothing started", err, started)
	}
}

func fmtSscanf(line string, maj, min, ino *uint64) (int, error) {
	return fmt.Sscanf(line, "%x:%x %d", maj, min, ino)
}
