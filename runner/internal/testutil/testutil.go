// Package testutil is what the runner's tests share: the one place that
// decides whether a test needing eBPF runs, fails or skips, and the DHAT
// cross-check that is memtally's independent ground truth. It imports no
// package of the runner, so that any package's tests can use it.
package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// SkipBPFVar names the variable that lets a user skip, knowingly, the
// tests that need eBPF capture.
const SkipBPFVar = "MEMTALLY_SKIP_BPF"

// BPFStatus says what a test needing eBPF does, given why capture is
// unavailable (nil when it is available). skip is true when the user set
// MEMTALLY_SKIP_BPF=1; otherwise a non-nil err must fail the test.
func BPFStatus(unavailable error) (skip bool, err error) {
	if unavailable == nil {
		return false, nil
	}
	if os.Getenv(SkipBPFVar) == "1" {
		return true, nil
	}
	return false, fmt.Errorf("eBPF capture is unavailable: %v\nrun the tests as root on Linux 6.13+ with BTF, or set %s=1 to skip the tests that need it", unavailable, SkipBPFVar)
}

// TB is the part of testing.TB that RequireBPF uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// RequireBPF fails t when capture is unavailable, or skips it, saying why,
// when the user set MEMTALLY_SKIP_BPF=1.
func RequireBPF(t TB, unavailable error) {
	t.Helper()
	skip, err := BPFStatus(unavailable)
	if skip {
		t.Skipf("%s=1: skipping a test that needs eBPF capture (%v)", SkipBPFVar, unavailable)
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
}

// DHAT is what Valgrind's DHAT reports for a whole program.
type DHAT struct {
	AllocCount, TotalBytes   uint64 // "Total"
	PeakBytes                uint64 // "At t-gmax"
	LeakedCount, LeakedBytes uint64 // "At t-end"
}

var dhatLine = regexp.MustCompile(`(Total|At t-gmax|At t-end):\s+([\d,]+) bytes in ([\d,]+) blocks`)

// RunDHAT runs argv under DHAT, never together with uprobes: Valgrind's
// translated code and the probes' breakpoints do not mix. libc and
// libstdc++ are not asked to free their internal blocks at exit, so leaks
// mean what they mean without Valgrind.
func RunDHAT(argv ...string) (DHAT, error) {
	if _, err := exec.LookPath("valgrind"); err != nil {
		return DHAT{}, fmt.Errorf("valgrind is needed for the DHAT cross-check: %w", err)
	}
	unlock, err := lockProbes(unix.LOCK_SH)
	if err != nil {
		return DHAT{}, err
	}
	defer unlock()
	args := append([]string{"--tool=dhat", "--dhat-out-file=/dev/null",
		"--run-libc-freeres=no", "--run-cxx-freeres=no"}, argv...)
	cmd := exec.Command("valgrind", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return DHAT{}, fmt.Errorf("valgrind %s: %w\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	var d DHAT
	found := 0
	for _, m := range dhatLine.FindAllStringSubmatch(stderr.String(), -1) {
		bytes, err1 := strconv.ParseUint(strings.ReplaceAll(m[2], ",", ""), 10, 64)
		blocks, err2 := strconv.ParseUint(strings.ReplaceAll(m[3], ",", ""), 10, 64)
		if err1 != nil || err2 != nil {
			return DHAT{}, fmt.Errorf("parse DHAT line %q", m[0])
		}
		switch m[1] {
		case "Total":
			d.TotalBytes, d.AllocCount = bytes, blocks
		case "At t-gmax":
			d.PeakBytes = bytes
		case "At t-end":
			d.LeakedBytes, d.LeakedCount = bytes, blocks
		}
		found++
	}
	if found != 3 {
		return DHAT{}, fmt.Errorf("DHAT output has %d summary lines, want 3:\n%s", found, stderr.String())
	}
	return d, nil
}

// probesLock is the machine-wide lock between the DHAT cross-checks, which
// take it shared, and tests and benchmarks that attach shared probes
// (capture.Options.SharedProbes), which take it exclusive: valgrind dies
// of SIGTRAP on the breakpoints shared probes put in every process's copy
// of the allocator, and the test packages run in parallel.
var probesLock = filepath.Join(os.TempDir(), "memtally-shared-probes.lock")

func lockProbes(how int) (unlock func(), err error) {
	f, err := os.OpenFile(probesLock, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lock probes: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock probes: %w", err)
	}
	return func() { f.Close() }, nil
}

// LockSharedProbes keeps the DHAT cross-checks of every test process of
// the machine waiting until unlock is called, for a test or benchmark
// that attaches shared probes.
func LockSharedProbes() (unlock func(), err error) {
	return lockProbes(unix.LOCK_EX)
}
