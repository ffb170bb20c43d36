package overhead

import (
	"fmt"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"memtally.dev/runner/internal/capture"
)

// The benchmarks are run by scripts/bench with -benchtime 1x: one
// operation measures every configuration once, back to back, so that each
// ratio compares runs made moments apart on this noisy shared machine, and
// -count gives the repetitions whose median the script reports.

const (
	// probedPairs is the loop length under probes: seconds, at the 1 to
	// 3 µs a pair that uprobe traps cost on this machine kind.
	probedPairs = 1_000_000
	// freePairs is the loop length without probes: about 0.3 s at ~15 ns
	// a pair, long enough that scheduler ticks and page faults average
	// out. ns/pair does not depend on the length.
	freePairs = 20_000_000
	// companionPairs is the length of the untraced loop the control runs
	// the unrelated loop beside: seconds, like a probed loop, so that the
	// unrelated one runs well inside it however busy the machine is.
	companionPairs = 10 * freePairs
	// unrelatedDelay is how long after a traced loop is resumed the
	// unrelated loop starts: by then the traced one is well past its
	// start-up and inside its timed loop, which lasts seconds.
	unrelatedDelay = 300 * time.Millisecond
)

// BenchmarkOverhead measures the ns per malloc(64)+free pair of a tight C
// loop (testdata/fixtures/pairs.c) in four configurations:
//   - untraced-ns/pair: no probes, freePairs pairs;
//   - bare-ns/pair: AttachNoop's do-nothing programs at capture's places:
//     the cost of the traps alone;
//   - traced-ns/pair: traced by a capture.Tracer as the runner traces a
//     command (Follow, BeginAtExec, resume, TreeExited, End); the window
//     must count exactly the loop's allocations and drop nothing;
//   - unrelated-ns/pair: the untraced loop run by a process that is not
//     followed, while the traced loop runs.
//
// The ns/pair figures are wall-clock time, what a benchmark would see. On
// two shared CPUs they also count time spent waiting for a CPU, so three
// more figures tell the causes apart:
//   - beside-untraced-ns/pair and beside-bare-ns/pair: the same unrelated
//     loop beside an untraced loop, and beside the bare-probed one. Either
//     way it shares the machine with a busy process; only the traced run
//     adds the tracer's reader.
//   - bare-cpu-ns/pair and traced-cpu-ns/pair: the loop process's own CPU
//     time (user and system, so the traps and the BPF programs included)
//     per pair, which waiting for a CPU does not inflate.
//   - tracer-cpu-%: the CPU time of this process, the tracer, over the
//     traced loop's wall time: what the ring reader takes from the two
//     CPUs while the loop runs.
func BenchmarkOverhead(b *testing.B) {
	requireBPF(b)
	pairs := build(b, "pairs.c")
	tr := newTracer(b)
	free := []string{pairs, strconv.Itoa(freePairs)}
	probed := []string{pairs, strconv.Itoa(probedPairs)}
	var r perOp
	for i := 0; i < b.N; i++ {
		untraced, err := runLoop(free, nil)
		if err != nil {
			b.Fatalf("untraced: %v", err)
		}
		var control loop
		if _, err := runLoop([]string{pairs, strconv.Itoa(companionPairs)}, beside(nil, unrelatedDelay, free, &control)); err != nil {
			b.Fatalf("untraced beside untraced: %v", err)
		}
		var besideBare loop
		bare, err := runLoop(probed, beside(noop, unrelatedDelay, free, &besideBare))
		if err != nil {
			b.Fatalf("bare probes: %v", err)
		}
		var m capture.Metrics
		var unrelated loop
		tracedRun, err := runLoop(probed, beside(traced(tr, &m), unrelatedDelay, free, &unrelated))
		if err != nil {
			b.Fatalf("traced: %v", err)
		}
		// pairs.c's printf allocates stdout's buffer, once, and never
		// frees it.
		if err := exact(m, probedPairs+1, probedPairs); err != nil {
			b.Fatalf("traced: %v", err)
		}
		r.add("untraced-ns/pair", untraced.ns)
		r.add("bare-ns/pair", bare.ns)
		r.add("traced-ns/pair", tracedRun.ns)
		r.add("unrelated-ns/pair", unrelated.ns)
		r.add("beside-untraced-ns/pair", control.ns)
		r.add("beside-bare-ns/pair", besideBare.ns)
		r.add("bare-cpu-ns/pair", float64(bare.cpu)/probedPairs)
		r.add("traced-cpu-ns/pair", float64(tracedRun.cpu)/probedPairs)
		r.add("tracer-cpu-%", 100*float64(tracedRun.self)/float64(tracedRun.wall))
		r.add("traced/bare", tracedRun.ns/bare.ns)
		r.add("traced/bare-cpu", float64(tracedRun.cpu)/float64(bare.cpu))
		r.add("unrelated/untraced", unrelated.ns/untraced.ns)
		r.add("beside-untraced/untraced", control.ns/untraced.ns)
		r.add("beside-bare/untraced", besideBare.ns/untraced.ns)
		r.add("dropped", float64(m.DroppedEvents))
	}
	r.report(b)
}

// ratePairs divides by every thread count BenchmarkRate tries, and lasts
// seconds at a million pairs a second: long enough to call the rate
// sustained, and to fill the event ring many times over (4.8M pairs are
// 9.6M records, over five times the default ring).
const ratePairs = 4_800_000

// BenchmarkRate measures the highest allocation rate a traced process
// sustains, and what its window drops there: ratePairs malloc+free pairs
// split over 1, 2 and 4 threads (testdata/fixtures/pairs_threads.c), each
// traced in its own window. allocs/s is pairs per second of wall time, so
// events per second are twice that. With two CPUs, more than two threads
// only shows what oversubscription does.
func BenchmarkRate(b *testing.B) {
	requireBPF(b)
	bin := build(b, "pairs_threads.c", "-pthread")
	tr := newTracer(b)
	var r perOp
	for i := 0; i < b.N; i++ {
		for _, threads := range []int{1, 2, 4} {
			var m capture.Metrics
			l, err := runLoop([]string{bin, strconv.Itoa(ratePairs), strconv.Itoa(threads)}, traced(tr, &m))
			if err != nil {
				b.Fatalf("%d threads: %v", threads, err)
			}
			// Each pthread_create callocs once (the thread's TLS
			// vector) and it is freed only when the process ends.
			if err := exact(m, ratePairs+uint64(threads), ratePairs); err != nil {
				b.Errorf("%d threads: %v", threads, err)
			}
			r.add(fmt.Sprintf("allocs/s-%dt", threads), 1e9/l.ns)
			r.add(fmt.Sprintf("dropped-%dt", threads), float64(m.DroppedEvents))
		}
	}
	r.report(b)
}

// BenchmarkMemory shows the tracer's own memory over windows of 1M and 10M
// malloc+free pairs, with about one block live at any time: the Go heap
// after a collection (heap-KiB), the peak Go heap sampled during the window
// (heap-peak-KiB), the anonymous resident set after it (rss-anon-KiB), and
// the peak resident set during it (hwm-KiB, VmHWM reset before each window).
// If the tracer's memory depended on the number of events rather than on
// live blocks, the 10M figures would be well above the 1M ones.
//
// The resident set includes the tracer's rings (rss-bpf-KiB): the 64 MiB
// event ring is resident, mapped twice, from the moment the reader maps
// it, a part fixed by Options.RingBytes.
func BenchmarkMemory(b *testing.B) {
	requireBPF(b)
	bin := build(b, "pairs_threads.c", "-pthread")
	tr := newTracer(b)
	run := func(pairs int) {
		var m capture.Metrics
		if _, err := runLoop([]string{bin, strconv.Itoa(pairs), "2"}, traced(tr, &m)); err != nil {
			b.Fatalf("%d pairs: %v", pairs, err)
		}
		if err := exact(m, uint64(pairs)+2, uint64(pairs)); err != nil {
			b.Fatalf("%d pairs: %v", pairs, err)
		}
	}
	var r perOp
	for i := 0; i < b.N; i++ {
		// Whatever the tracer sets up lazily is set up by now.
		run(10_000)
		base, err := ReadMemory()
		if err != nil {
			b.Fatal(err)
		}
		r.add("heap-KiB-base", kib(base.HeapInuse))
		r.add("rss-anon-KiB-base", kib(base.RSSAnon))
		r.add("rss-KiB-base", kib(base.RSS))
		r.add("rss-bpf-KiB-base", kib(base.BPFMaps))
		for _, w := range []struct {
			name  string
			pairs int
		}{{"1M", 1_000_000}, {"10M", 10_000_000}} {
			if err := ResetPeak(); err != nil {
				b.Fatal(err)
			}
			stop := sampleHeap()
			run(w.pairs)
			peak := stop()
			after, err := ReadMemory()
			if err != nil {
				b.Fatal(err)
			}
			r.add("heap-KiB-"+w.name, kib(after.HeapInuse))
			r.add("heap-peak-KiB-"+w.name, kib(peak))
			r.add("rss-anon-KiB-"+w.name, kib(after.RSSAnon))
			r.add("rss-KiB-"+w.name, kib(after.RSS))
			r.add("rss-bpf-KiB-"+w.name, kib(after.BPFMaps))
			r.add("hwm-KiB-"+w.name, kib(after.HWM))
		}
	}
	r.report(b)
}

func kib(n uint64) float64 { return float64(n) / 1024 }

// sampleHeap samples the bytes of live and not yet collected Go heap
// objects every 10 ms, through runtime/metrics, which does not stop the
// world, until the returned function is called; that returns the peak.
func sampleHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// BenchmarkAttach measures the time from capture.New until the tracer is
// loaded and following its first process: attach-ms = new-ms (load the
// programs, attach the lifecycle tracepoints, start the readers) +
// follow-ms (probe the held process's allocators). close-ms is Close after
// the window, which detaches the probes off every benchmark's critical
// path but delays the runner's exit.
//
// The runner calls New once per process, and cilium/ebpf caches the
// kernel's BTF after its first load, so only the first New of a process is
// the runner's figure: scripts/bench runs this in a fresh process each
// time, with -count 1.
func BenchmarkAttach(b *testing.B) {
	requireBPF(b)
	pairs := build(b, "pairs.c")
	var r perOp
	for i := 0; i < b.N; i++ {
		cmd := Held(pairs, "1000")
		if err := StartHeld(cmd); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		tr, err := capture.New(capture.Options{})
		if err != nil {
			cmd.Process.Kill()
			bpfUnavailable(b, err)
		}
		loaded := time.Now()
		if err := tr.Follow(cmd.Process.Pid); err != nil {
			cmd.Process.Kill()
			b.Fatalf("follow: %v", err)
		}
		followed := time.Now()
		var m capture.Metrics
		after, err := armed(tr, &m)(cmd.Process.Pid)
		if err == nil {
			err = Resume(cmd)
		}
		if err == nil {
			err = cmd.Wait()
		}
		if err == nil {
			err = after()
		}
		if err != nil {
			cmd.Process.Kill()
			tr.Close()
			b.Fatal(err)
		}
		closing := time.Now()
		if err := tr.Close(); err != nil {
			b.Fatal(err)
		}
		closed := time.Now()
		if err := exact(m, 1000+1, 1000); err != nil {
			b.Fatal(err)
		}
		r.add("attach-ms", ms(followed.Sub(start)))
		r.add("new-ms", ms(loaded.Sub(start)))
		r.add("follow-ms", ms(followed.Sub(loaded)))
		r.add("close-ms", ms(closed.Sub(closing)))
	}
	r.report(b)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
