package capture

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"memtally.dev/runner/internal/heap"
)

// tick is the longest scheduler tick (100 Hz): a thread reuses its last
// clock reading only within one tick, so no time is earlier than this.
const tick = 10 * time.Millisecond

// clockAlloc is one allocation of clock.c, timed by the program itself.
type clockAlloc struct {
	size, before, after uint64
	// fresh: the thread's first allocation of the window, or one after a
	// sleep longer than a tick, whose time is read at the call.
	fresh bool
}

// readClock parses clock.c's output: the allocations of each window.
func readClock(t *testing.T, path string) [][]clockAlloc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var windows [][]clockAlloc
	s := bufio.NewScanner(f)
	for s.Scan() {
		var a clockAlloc
		var w, fresh int
		switch line := s.Text(); {
		case line == "":
		case line[0] == 'c':
		case line[0] == 'w':
			if _, err := fmt.Sscanf(line, "window %d", &w); err != nil || w != len(windows) {
				t.Fatalf("clock output: %q", line)
			}
			windows = append(windows, nil)
		default:
			if _, err := fmt.Sscanf(line, "%d %d %d %d", &a.size, &a.before, &a.after, &fresh); err != nil || len(windows) == 0 {
				t.Fatalf("clock output: %q: %v", line, err)
			}
			a.fresh = fresh == 1
			windows[len(windows)-1] = append(windows[len(windows)-1], a)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return windows
}

// earliness gathers how much earlier than their calls the timeline puts
// allocations.
type earliness struct {
	n, exact int
	all      []uint64 // ns early, for the allocations timed before their call
}

func (e *earliness) String() string {
	if len(e.all) == 0 {
		return fmt.Sprintf("%d allocations, every one timed inside its call", e.n)
	}
	slices.Sort(e.all)
	q := func(f float64) time.Duration { return time.Duration(e.all[int(f*float64(len(e.all)-1))]) }
	return fmt.Sprintf("%d allocations: %d timed inside their call; the other %d early by median %v, 99th percentile %v, at most %v",
		e.n, e.exact, len(e.all), q(0.5), q(0.99), q(1))
}

// checkClock checks a window's bounds and the time of each of its
// allocations against when the program made them.
func checkClock(t *testing.T, label string, m Metrics, allocs []clockAlloc, e *earliness) {
	t.Helper()
	if m.DroppedEvents != 0 {
		t.Errorf("%s: %d events dropped", label, m.DroppedEvents)
	}
	if m.StopNS < m.StartNS {
		t.Fatalf("%s: stops at %d before it starts at %d", label, m.StopNS, m.StartNS)
	}
	length := m.StopNS - m.StartNS
	for _, p := range m.Timeline {
		if p.Nanos > length {
			t.Errorf("%s: point %+v after the window's end at %d ns", label, p, length)
		}
	}
	// All points kept: each is one event.
	if len(m.Timeline) >= heap.MaxPoints {
		t.Fatalf("%s: %d points: the window must be smaller for this test", label, len(m.Timeline))
	}
	bySize := map[uint64]int{}
	for i, a := range allocs {
		bySize[a.size] = i
		if a.before < m.StartNS || a.after > m.StopNS {
			t.Errorf("%s: allocation of %d bytes made from %d to %d, outside the window %d to %d",
				label, a.size, a.before, a.after, m.StartNS, m.StopNS)
		}
	}
	seen := make([]bool, len(allocs))
	for j := 1; j < len(m.Timeline); j++ {
		p := m.Timeline[j]
		if p.LiveBytes <= m.Timeline[j-1].LiveBytes {
			continue
		}
		i, ok := bySize[p.LiveBytes-m.Timeline[j-1].LiveBytes]
		if !ok || seen[i] {
			continue
		}
		seen[i] = true
		a := allocs[i]
		at := m.StartNS + p.Nanos
		e.n++
		switch {
		case at > a.after:
			t.Errorf("%s: allocation of %d bytes made from %d to %d is timed later, at %d", label, a.size, a.before, a.after, at)
		case at >= a.before:
			e.exact++
		case a.fresh:
			t.Errorf("%s: allocation of %d bytes made from %d to %d with a fresh clock reading is timed earlier, at %d",
				label, a.size, a.before, a.after, at)
		case a.before-at > uint64(tick):
			t.Errorf("%s: allocation of %d bytes made from %d is timed %v earlier, more than a tick", label, a.size, a.before,
				time.Duration(a.before-at))
		default:
			e.all = append(e.all, a.before-at)
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("%s: allocation of %d bytes is not in the timeline", label, allocs[i].size)
		}
	}
}

// TestTimelineClock opens 120 windows on clock.c at its edges, as the
// runner does at a harness's Start and Stop: empty ones, ones of a single
// allocation, bursts, sparse allocations and four threads pinned to the
// CPUs. Each window must start while Begin runs and stop while End runs,
// contain every allocation the program made inside it, and put every
// timeline point inside it and every allocation no later than its call
// returned, and no earlier than its thread's last clock reading.
func TestTimelineClock(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "clock", "clock.c", "-lpthread")
	out := filepath.Join(t.TempDir(), "clock.out")
	const n = 120
	ms, cs := runWindowedTimed(t, tr, n, bin, out, strconv.Itoa(n))
	allocs := readClock(t, out)
	if len(allocs) != n {
		t.Fatalf("clock reported %d windows, want %d", len(allocs), n)
	}
	var e earliness
	shortest, longest := time.Duration(1<<63-1), time.Duration(0)
	for i, m := range ms {
		d := time.Duration(m.StopNS - m.StartNS)
		shortest, longest = min(shortest, d), max(longest, d)
		label := fmt.Sprintf("window %d (kind %d)", i, i%6)
		c := cs[i]
		if m.StartNS < c.beginCalled || m.StartNS > c.beginReturned {
			t.Errorf("%s: starts at %d, outside Begin's call from %d to %d", label, m.StartNS, c.beginCalled, c.beginReturned)
		}
		if m.StopNS < c.endCalled || m.StopNS > c.endReturned {
			t.Errorf("%s: stops at %d, outside End's call from %d to %d", label, m.StopNS, c.endCalled, c.endReturned)
		}
		if m.AllocCount != uint64(len(allocs[i])) {
			t.Errorf("%s: %d allocations counted, the program made %d", label, m.AllocCount, len(allocs[i]))
		}
		checkClock(t, label, m, allocs[i], &e)
	}
	t.Logf("windows from %v to %v; times: %v", shortest, longest, &e)
}

// TestTimelineClockExec runs clock.c whole, as an exec target, one window
// from its exec to its exit: the same checks, on a window that the exec
// program opens.
func TestTimelineClockExec(t *testing.T) {
	tr := newTracer(t)
	bin := build(t, "clock", "clock.c", "-lpthread")
	out := filepath.Join(t.TempDir(), "clock.out")
	m := runExecTarget(t, tr, bin, out, "6", "exec")
	var allocs []clockAlloc
	for _, w := range readClock(t, out) {
		allocs = append(allocs, w...)
	}
	var e earliness
	checkClock(t, "exec window", m, allocs, &e)
	t.Logf("times: %v", &e)
}
