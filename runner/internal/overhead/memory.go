package overhead

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Memory is a snapshot of the calling process's memory, in bytes.
type Memory struct {
	// HeapInuse is runtime.MemStats.HeapInuse right after a garbage
	// collection: the spans holding live Go objects, not garbage that
	// awaits collection.
	HeapInuse uint64
	// RSS is VmRSS, the resident set now. It includes the pages of the
	// BPF rings the tracer has mapped and touched, which are fixed by
	// their size.
	RSS uint64
	// RSSAnon is RssAnon, the anonymous part of RSS: the Go heap, stacks
	// and runtime structures.
	RSSAnon uint64
	// HWM is VmHWM, the peak resident set since the process started or
	// since the last ResetPeak.
	HWM uint64
	// BPFMaps is the resident part of the BPF maps mapped into the
	// process: the tracer's rings. The kernel maps a ring's pages when
	// the reader maps it, data area twice so that records can wrap, so
	// this is fixed by the ring sizes from the start.
	BPFMaps uint64
}

// ReadMemory collects garbage, then reads the Go heap statistics and
// /proc/self/status.
func ReadMemory() (Memory, error) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	defer f.Close()
	m, err := parseStatus(f)
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	m.HeapInuse = ms.HeapInuse
	sm, err := os.Open("/proc/self/smaps")
	if err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	defer sm.Close()
	if m.BPFMaps, err = parseSmapsBPF(sm); err != nil {
		return Memory{}, fmt.Errorf("read memory: %w", err)
	}
	return m, nil
}

// parseSmapsBPF sums the Rss of the mappings named anon_inode:bpf-map in
// a /proc/PID/smaps listing.
func parseSmapsBPF(r io.Reader) (uint64, error) {
	var total uint64
	inBPF := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if name, value, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, " ") {
			// A "Field: value" line of the current mapping.
			if name == "Rss" && inBPF {
				kb, ok := strings.CutSuffix(strings.TrimSpace(value), " kB")
				n, err := strconv.ParseUint(kb, 10, 64)
				if !ok || err != nil {
					return 0, fmt.Errorf("smaps Rss line %q", line)
				}
				total += n << 10
			}
			continue
		}
		// A mapping header: start-end perms offset dev inode [path].
		f := strings.Fields(line)
		inBPF = len(f) >= 6 && f[5] == "anon_inode:bpf-map"
	}
	return total, sc.Err()
}

// ResetPeak resets VmHWM to the current resident set (clear_refs "5",
// Linux 4.0+), so that the next ReadMemory's HWM is the peak of what ran
// in between rather than of the whole process's life.
func ResetPeak() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}

// parseStatus reads VmRSS, RssAnon and VmHWM from a /proc/PID/status
// listing, whose sizes are in kB.
func parseStatus(r io.Reader) (Memory, error) {
	var m Memory
	fields := map[string]*uint64{"VmRSS": &m.RSS, "RssAnon": &m.RSSAnon, "VmHWM": &m.HWM}
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		dst, want := fields[name]
		if !ok || !want {
			continue
		}
		kb, ok := strings.CutSuffix(strings.TrimSpace(value), " kB")
		if !ok {
			return Memory{}, fmt.Errorf("status line %s: %q is not in kB", name, value)
		}
		n, err := strconv.ParseUint(kb, 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("status line %s: %w", name, err)
		}
		*dst = n << 10
		found++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if found != len(fields) {
		return Memory{}, fmt.Errorf("status has %d of VmRSS, RssAnon and VmHWM", found)
	}
	return m, nil
}
