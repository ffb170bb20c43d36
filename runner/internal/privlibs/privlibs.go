package privlibs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Library is one library of the namespace.
type Library struct {
	// Path is the library's path, which resolves to the copy inside the
	// namespace and to the machine's file outside it.
	Path string
	// Dev and Ino name the copy, as stat(2) does.
	Dev, Ino uint64
}

// Namespace is a mount namespace in which the allocator libraries are
// private copies.
type Namespace struct {
	fd   int // its /proc/thread-self/ns/mnt, which keeps it alive
	libs []Library
}

// Libraries are the copied libraries.
func (n *Namespace) Libraries() []Library { return n.libs }

// New makes the namespace, with a copy of each allocator library that
// Candidates finds. It needs CAP_SYS_ADMIN.
func New() (*Namespace, error) {
	paths := Candidates()
	if len(paths) == 0 {
		return nil, errors.New("private libraries: no allocator library found")
	}
	// The tmpfs is mounted on a directory of the runner's, inside the
	// namespace only, then detached once the copies are bound: the bind
	// mounts keep it alive, and the directory goes at once.
	dir, err := os.MkdirTemp("", "memtally-libs-")
	if err != nil {
		return nil, fmt.Errorf("private libraries: %w", err)
	}
	defer os.Remove(dir)
	type made struct {
		ns  *Namespace
		err error
	}
	done := make(chan made, 1)
	go func() {
		// This thread's mount namespace is changed for good: it stays
		// locked, so that the Go runtime retires it with the goroutine
		// rather than run other goroutines on it.
		runtime.LockOSThread()
		ns, err := build(dir, paths)
		done <- made{ns, err}
	}()
	m := <-done
	if m.err != nil {
		return nil, fmt.Errorf("private libraries: %w", m.err)
	}
	return m.ns, nil
}

// build makes the namespace on the calling thread, which it leaves in it.
func build(dir string, paths []string) (*Namespace, error) {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("unshare mount namespace: %w", err)
	}
	// Slave: mounts made on the machine still reach the command, and
	// the bind mounts made here reach nothing outside.
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return nil, fmt.Errorf("make mounts private: %w", err)
	}
	if err := unix.Mount("memtally-libs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return nil, fmt.Errorf("mount tmpfs: %w", err)
	}
	var libs []Library
	for i, path := range paths {
		cp := filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(path)))
		if err := copyFile(path, cp); err != nil {
			return nil, err
		}
		if err := unix.Mount(cp, path, "", unix.MS_BIND, ""); err != nil {
			return nil, fmt.Errorf("bind %s: %w", path, err)
		}
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return nil, fmt.Errorf("stat %s: %w", path, err)
		}
		libs = append(libs, Library{Path: path, Dev: st.Dev, Ino: st.Ino})
	}
	// Read-only from here: a command cannot change the copies.
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return nil, fmt.Errorf("make copies read-only: %w", err)
	}
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
		return nil, fmt.Errorf("detach tmpfs: %w", err)
	}
	fd, err := unix.Open("/proc/thread-self/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open mount namespace: %w", err)
	}
	return &Namespace{fd: fd, libs: libs}, nil
}

// copyFile copies the library src to dst with its mode.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// Run runs start, which forks the command, on an OS thread inside the
// namespace, so that the command and everything it forks live in it. The
// thread is retired afterwards, like the one New used.
func (n *Namespace) Run(start func() error) error {
	if n.fd < 0 {
		return fmt.Errorf("enter private libraries: %w", unix.EBADF)
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// setns refuses a mount namespace to a thread that shares its
		// root and working directory with other threads.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("enter private libraries: unshare: %w", err)
			return
		}
		if err := unix.Setns(n.fd, unix.CLONE_NEWNS); err != nil {
			done <- fmt.Errorf("enter private libraries: setns: %w", err)
			return
		}
		done <- start()
	}()
	return <-done
}

// Close lets the namespace go once no process lives in it.
func (n *Namespace) Close() error {
	if n.fd < 0 {
		return nil
	}
	err := unix.Close(n.fd)
	n.fd = -1
	return err
}
