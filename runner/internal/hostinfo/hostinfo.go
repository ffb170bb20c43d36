package hostinfo

import (
	"bufio"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Host is what a run records of its machine.
type Host struct {
	OS            string
	Arch          string
	Kernel        string // the release, as uname -r prints it
	KernelVersion string // the build, as uname -v prints it
	CPUModel      string
	LogicalCPUs   int
}

// Collect reads the host's description. Fields it cannot read stay empty:
// a missing CPU model name must not stop a run.
func Collect() Host {
	h := Host{OS: runtime.GOOS, Arch: runtime.GOARCH, LogicalCPUs: runtime.NumCPU()}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		h.Kernel = unix.ByteSliceToString(u.Release[:])
		h.KernelVersion = unix.ByteSliceToString(u.Version[:])
	}
	h.CPUModel = cpuModel("/proc/cpuinfo")
	return h
}

// cpuModel returns the first "model name" of a /proc/cpuinfo file.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
