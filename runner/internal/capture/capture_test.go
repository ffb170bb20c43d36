package capture

import (
	"strings"
	"testing"

	"memtally.dev/runner/internal/testutil"
)

// want is the part of Metrics a fixture pins down exactly.
type want struct {
	AllocCount, TotalBytes, FreeCount, PeakBytes uint64
	LeakedCount, LeakedBytes, UntrackedFrees     uint64
}

func got(m Metrics) want {
	return want{m.AllocCount, m.TotalBytes, m.FreeCount, m.PeakBytes,
		m.LeakedCount, m.LeakedBytes, m.UntrackedFrees}
}

func checkMetrics(t *testing.T, m Metrics, w want) {
	t.Helper()
	if g := got(m); g != w {
		t.Errorf("metrics:\n got  %+v\n want %+v", g, w)
	}
	if m.DroppedEvents != 0 {
		t.Errorf("dropped %d events", m.DroppedEvents)
	}
	if len(m.Timeline) == 0 || len(m.Timeline) > 1000 {
		t.Errorf("timeline has %d points", len(m.Timeline))
	}
	peak := false
	for _, p := range m.Timeline {
		if p.LiveBytes == m.PeakBytes {
			peak = true
		}
	}
	if !peak {
		t.Errorf("timeline misses the peak %d", m.PeakBytes)
	}
	if m.AllocCount > 0 && m.AvgAllocBytes != float64(m.TotalBytes)/float64(m.AllocCount) {
		t.Errorf("avg_alloc_bytes %v", m.AvgAllocBytes)
	}
}

// fixture is a program from testdata/fixtures with its exact numbers
// under exec-target capture.
type fixture struct {
	name string
	srcs []string // sources and linker flags
	args []string
	want want
	// dhat runs the same command under Valgrind's DHAT and requires the
	// same alloc count, total bytes, peak and leaks.
	dhat bool
}

var fixtures = []fixture{
	{name: "malloc_free", srcs: []string{"malloc_free.c"},
		want: want{AllocCount: 1001, TotalBytes: 500600, FreeCount: 1000, PeakBytes: 1100, LeakedCount: 1, LeakedBytes: 100}, dhat: true},
	{name: "calloc", srcs: []string{"calloc.c"},
		want: want{AllocCount: 100, TotalBytes: 40400, FreeCount: 100, PeakBytes: 800}, dhat: true},
	{name: "realloc_chain", srcs: []string{"realloc_chain.c"},
		want: want{AllocCount: 14, TotalBytes: 131088, FreeCount: 14, PeakBytes: 65536}, dhat: true},
	{name: "aligned", srcs: []string{"aligned.c"},
		want: want{AllocCount: 4, TotalBytes: 856, FreeCount: 4, PeakBytes: 856}, dhat: true},
	{name: "aligned", srcs: []string{"aligned.c"}, args: []string{"pvalloc"},
		want: want{AllocCount: 5, TotalBytes: 9048, FreeCount: 5, PeakBytes: 9048}},
	{name: "leak", srcs: []string{"leak.c"},
		want: want{AllocCount: 15, TotalBytes: 15000, FreeCount: 5, PeakBytes: 15000, LeakedCount: 10, LeakedBytes: 10000}, dhat: true},
	{name: "new_delete", srcs: []string{"new_delete.cpp"},
		want: want{AllocCount: 7, TotalBytes: 73368, FreeCount: 6, PeakBytes: 73368, LeakedCount: 1, LeakedBytes: 72704}, dhat: true},
	{name: "vector_grow", srcs: []string{"vector_grow.cpp"},
		want: want{AllocCount: 12, TotalBytes: 80892, FreeCount: 11, PeakBytes: 78848, LeakedCount: 1, LeakedBytes: 72704}, dhat: true},
	// Debian's libjemalloc.so.2 links libstdc++, whose start-up pool is a
	// leaked block of 72704 bytes, allocated by jemalloc.
	{name: "bad_alloc", srcs: []string{"bad_alloc.cpp"},
		want: want{AllocCount: 12, TotalBytes: 73000, FreeCount: 11, PeakBytes: 72840, LeakedCount: 1, LeakedBytes: 72704}},
	{name: "jemalloc_dynamic", srcs: []string{"jemalloc.c", "-ljemalloc"},
		want: want{AllocCount: 22, TotalBytes: 3481 + 72704, FreeCount: 20, PeakBytes: 1555 + 72704, LeakedCount: 2, LeakedBytes: 555 + 72704}},
	{name: "jemalloc_static", srcs: []string{"jemalloc.c", "/usr/lib/x86_64-linux-gnu/libjemalloc_pic.a", "-lpthread", "-ldl", "-lm"},
		want: want{AllocCount: 21, TotalBytes: 3481, FreeCount: 20, PeakBytes: 1555, LeakedCount: 1, LeakedBytes: 555}},
	{name: "mimalloc_dynamic", srcs: []string{"mimalloc.c", "-lmimalloc"},
		want: want{AllocCount: 10, TotalBytes: 3387, FreeCount: 9, PeakBytes: 1637, LeakedCount: 1, LeakedBytes: 77}},
	{name: "fork_child", srcs: []string{"fork_child.c"},
		want: want{AllocCount: 30, TotalBytes: 5000, FreeCount: 20, PeakBytes: 5000, LeakedCount: 10, LeakedBytes: 2000}},
}

// TestFixtures checks each fixture's exact numbers with probes per process
// and on private libraries, and against DHAT once.
func TestFixtures(t *testing.T) {
	for _, kind := range []probeKind{perProcess, private} {
		t.Run(string(kind), func(t *testing.T) { testFixtures(t, kind) })
	}
}

func testFixtures(t *testing.T, kind probeKind) {
	tr := newTracerKind(t, kind)
	for _, f := range fixtures {
		t.Run(strings.Join(append([]string{f.name}, f.args...), "_"), func(t *testing.T) {
			bin := build(t, f.name, f.srcs...)
			argv := append([]string{bin}, f.args...)
			m := runExecTarget(t, tr, argv...)
			checkMetrics(t, m, f.want)
			if f.dhat && kind == perProcess {
				d := runDHAT(t, argv...)
				if d.AllocCount != m.AllocCount || d.TotalBytes != m.TotalBytes || d.PeakBytes != m.PeakBytes ||
					d.LeakedCount != m.LeakedCount || d.LeakedBytes != m.LeakedBytes {
					t.Errorf("DHAT disagrees:\n dhat %+v\n ours %+v", d, got(m))
				}
			}
		})
	}
}

// runDHAT runs argv under Valgrind's DHAT (see testutil.RunDHAT).
func runDHAT(t *testing.T, argv ...string) want {
	t.Helper()
	d, err := testutil.RunDHAT(argv...)
	if err != nil {
		t.Fatal(err)
	}
	return want{AllocCount: d.AllocCount, TotalBytes: d.TotalBytes, PeakBytes: d.PeakBytes,
		LeakedCount: d.LeakedCount, LeakedBytes: d.LeakedBytes}
}
