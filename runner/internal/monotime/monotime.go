// Package monotime reads CLOCK_MONOTONIC, the clock that benchmark windows,
// markers and the kernel's event timestamps (bpf_ktime_get_ns) share, so that
// times taken in the runner, in integrations and in BPF programs compare.
package monotime

import "golang.org/x/sys/unix"

// Now returns CLOCK_MONOTONIC in nanoseconds.
func Now() uint64 {
	var ts unix.Timespec
	// clock_gettime(CLOCK_MONOTONIC) cannot fail with a valid pointer.
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(ts.Nano())
}
