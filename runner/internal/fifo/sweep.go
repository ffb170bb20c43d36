package fifo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// createLock makes dir's lock file, already locked: it is locked under a
// temporary name and renamed, so a sweep never finds it unlocked.
func createLock(dir string) (*os.File, error) {
	tmp := filepath.Join(dir, lockName+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create fifo lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock fifo directory: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, lockName)); err != nil {
		f.Close()
		return nil, fmt.Errorf("create fifo lock: %w", err)
	}
	return f, nil
}

// Sweep removes the FIFO directories in tmp whose runner is gone: those of
// this user whose lock nobody holds. It returns the directories removed.
// A directory without a lock file is left alone, since its owner cannot be
// told apart from one still setting it up.
func Sweep(tmp string) (removed []string, err error) {
	dirs, err := filepath.Glob(filepath.Join(tmp, pattern+"*"))
	if err != nil {
		return nil, fmt.Errorf("sweep fifo directories: %w", err)
	}
	var errs []error
	for _, dir := range dirs {
		gone, err := sweepOne(dir)
		if err != nil {
			errs = append(errs, err)
		}
		if gone {
			removed = append(removed, dir)
		}
	}
	return removed, errors.Join(errs...)
}

func sweepOne(dir string) (bool, error) {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() {
		return false, nil
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
		return false, nil
	}
	f, err := os.Open(filepath.Join(dir, lockName))
	if err != nil {
		return false, nil // no lock file, or the directory went meanwhile
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return false, nil // its runner is alive
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, fmt.Errorf("sweep fifo directory: %w", err)
	}
	return true, nil
}
