package capture

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrPrivileges is wrapped by CheckPrivileges' error.
var ErrPrivileges = errors.New("missing privileges for eBPF capture")

// Capability numbers from include/uapi/linux/capability.h.
const (
	capSysResource = 24
	capPerfmon     = 38
	capBPF         = 39
)

// CheckPrivileges reports whether this process may load and attach the
// capture programs, before anything is started. Root suffices; otherwise
// the effective capabilities must include CAP_BPF and CAP_PERFMON, and
// CAP_SYS_RESOURCE where the locked-memory limit is too small for the
// rings. The error names what is missing and the setcap line that grants
// it to the running executable.
func CheckPrivileges() error {
	if os.Geteuid() == 0 {
		return nil
	}
	eff, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("%w: read capabilities: %v", ErrPrivileges, err)
	}
	var missing []string
	if eff&(1<<capBPF) == 0 {
		missing = append(missing, "CAP_BPF")
	}
	if eff&(1<<capPerfmon) == 0 {
		missing = append(missing, "CAP_PERFMON")
	}
	if eff&(1<<capSysResource) == 0 && memlockNeeded() {
		missing = append(missing, "CAP_SYS_RESOURCE")
	}
	if len(missing) == 0 {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "/path/to/runner"
	}
	return fmt.Errorf("%w: not root and lacking %s; run as root, or grant them once with:\n\tsudo setcap cap_bpf,cap_perfmon,cap_sys_resource+ep %s",
		ErrPrivileges, strings.Join(missing, ", "), exe)
}

func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no CapEff line in /proc/self/status")
}

// memlockNeeded reports whether BPF memory counts against RLIMIT_MEMLOCK:
// kernels before 5.11 charge it there, later ones to the memory cgroup.
func memlockNeeded() bool {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major < 5 || (major == 5 && minor < 11)
}
