package determinism

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// addrNoRandomize is ADDR_NO_RANDOMIZE of <linux/personality.h>: a process
// that execs with it set gets its stack, heap, mmap base and vDSO at the
// same addresses every time.
const addrNoRandomize = 0x0040000

// queryPersonality is the argument that makes personality(2) only report.
const queryPersonality = 0xffffffff

// personality calls personality(2) on the calling thread. x/sys/unix has
// no wrapper for it.
func personality(persona uintptr) (uintptr, error) {
	old, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, persona, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return old, nil
}

// WithoutASLR runs start, which forks the command, on an OS thread whose
// personality has ADDR_NO_RANDOMIZE, so that the child inherits it and
// keeps it across exec. The personality is a thread's, not the process's:
// the runner's other threads keep theirs, and the thread gets its own back
// before it runs anything else. Should that fail, the thread stays locked
// to its goroutine, which makes the Go runtime retire it, not reuse it.
func WithoutASLR(start func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := withoutASLRHere(start)
		// A thread that cannot get its personality back stays
		// locked; the command started all the same.
		if restored {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// WithoutASLRHere is WithoutASLR on the calling goroutine, which the caller
// has locked to its thread, for a thread that is retired afterwards.
func WithoutASLRHere(start func() error) error {
	_, err := withoutASLRHere(start)
	return err
}

// withoutASLRHere runs start with the calling thread's personality changed,
// and reports whether the thread got its own back.
func withoutASLRHere(start func() error) (restored bool, err error) {
	old, err := personality(queryPersonality)
	if err != nil {
		return true, fmt.Errorf("read personality: %w", err)
	}
	if _, err := personality(old | addrNoRandomize); err != nil {
		return true, fmt.Errorf("turn address randomisation off: %w", err)
	}
	err = start()
	_, rerr := personality(old)
	return rerr == nil, err
}

// inheritedASLR says whether a command the runner starts as it is gets
// address randomisation, and why: the runner may itself run without it
// (setarch -R), or the machine may have it off (kernel.randomize_va_space
// = 0).
func inheritedASLR() Setting {
	if p, err := personality(queryPersonality); err == nil && p&addrNoRandomize != 0 {
		return Setting{Value: ASLROff, SetBy: ByUser}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/randomize_va_space"); err == nil && strings.TrimSpace(string(b)) == "0" {
		return Setting{Value: ASLROff, SetBy: BySystem}
	}
	return Setting{Value: ASLROn, SetBy: BySystem}
}
