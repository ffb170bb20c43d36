package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Group is one cgroup made for a command's tree.
type Group struct {
	// Path is the group's directory in the cgroup2 file system.
	Path string
}

// New makes a group named name for a command's tree. The error says why
// none could be made, for the message of a caller that falls back.
func New(name string) (*Group, error) {
	mount, err := mountPoint("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	own, err := ownPath("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, parent := range candidates(mount, own) {
		g := &Group{Path: filepath.Join(parent, name)}
		if err := os.Mkdir(g.Path, 0o755); err != nil {
			errs = append(errs, fmt.Errorf("create cgroup: %w", err))
			continue
		}
		if _, err := os.Stat(filepath.Join(g.Path, "cgroup.kill")); err != nil {
			os.Remove(g.Path)
			return nil, fmt.Errorf("create cgroup: no cgroup.kill (Linux 5.14 or later): %w", err)
		}
		return g, nil
	}
	return nil, errors.Join(errs...)
}

// candidates are where a group may go: under the runner's own cgroup, or
// beside it, in its parent.
func candidates(mount, own string) []string {
	under := filepath.Join(mount, own)
	out := []string{under}
	if own != "/" {
		out = append(out, filepath.Dir(under))
	}
	return out
}

// Open returns the group at path, made earlier by New, perhaps in another
// process.
func Open(path string) *Group { return &Group{Path: path} }

// Add moves the process pid into the group. Children it forks later are
// born in it.
func (g *Group) Add(pid int) error {
	if err := os.WriteFile(filepath.Join(g.Path, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("move pid %d into cgroup: %w", pid, err)
	}
	return nil
}

// Dir opens the group's directory for a child to be born in it
// (syscall.SysProcAttr.CgroupFD, clone3's CLONE_INTO_CGROUP). Being born
// there costs nothing, where Add waits for an RCU grace period, about 10 ms
// here, to move a running process.
func (g *Group) Dir() (*os.File, error) {
	fd, err := unix.Open(g.Path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup: %w", &os.PathError{Op: "open", Path: g.Path, Err: err})
	}
	return os.NewFile(uintptr(fd), g.Path), nil
}

// Populated reports whether a live process is in the group.
func (g *Group) Populated() (bool, error) {
	f, err := os.Open(filepath.Join(g.Path, "cgroup.events"))
	if err != nil {
		return false, fmt.Errorf("read cgroup events: %w", err)
	}
	defer f.Close()
	return populated(f)
}

func populated(r io.Reader) (bool, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "populated "); ok {
			return v != "0", nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read cgroup events: %w", err)
	}
	return false, errors.New("read cgroup events: no populated line")
}

// Kill sends SIGKILL to every process in the group, and waits up to
// timeout for them all to have exited.
func (g *Group) Kill(timeout time.Duration) error {
	if err := os.WriteFile(filepath.Join(g.Path, "cgroup.kill"), []byte("1"), 0); err != nil {
		return fmt.Errorf("kill cgroup: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		busy, err := g.Populated()
		if err != nil {
			return err
		}
		if !busy {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kill cgroup: processes still alive after %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Remove kills whatever is left in the group and removes it.
func (g *Group) Remove(timeout time.Duration) error {
	if busy, err := g.Populated(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	} else if busy {
		if err := g.Kill(timeout); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		// EBUSY lasts until the last exited member is fully gone.
		err := unix.Rmdir(g.Path)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup: %w", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mountPoint finds the cgroup2 mount in a mountinfo file.
func mountPoint(mountinfo string) (string, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return "", fmt.Errorf("find cgroup2 mount: %w", err)
	}
	defer f.Close()
	return parseMountinfo(f)
}

// parseMountinfo returns the mount point of the first cgroup2 file system
// mounted read-write: "ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - TYPE
// SOURCE SUPEROPTIONS".
func parseMountinfo(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, after := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 6 || len(after) < 1 || after[0] != "cgroup2" {
			continue
		}
		if fields[3] != "/" {
			continue // a bind mount of a subtree: paths would not match
		}
		if !hasOption(fields[5], "rw") {
			continue
		}
		return unescape(fields[4]), nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("find cgroup2 mount: %w", err)
	}
	return "", errors.New("find cgroup2 mount: no read-write cgroup2 file system is mounted")
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescape undoes mountinfo's octal escapes of space, tab, newline and
// backslash.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ownPath reads the process's cgroup v2 path, the "0::" line of
// /proc/self/cgroup.
func ownPath(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read own cgroup: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			if strings.HasSuffix(p, " (deleted)") {
				return "", errors.New("read own cgroup: it was removed")
			}
			return p, nil
		}
	}
	return "", errors.New("read own cgroup: not in a cgroup v2 hierarchy")
}
