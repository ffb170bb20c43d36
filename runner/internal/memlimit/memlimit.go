// Package memlimit keeps the runner's Go heap close to what it holds.
//
// With the Go runtime's defaults the heap grows to twice what is live
// before a collection, and the pages freed by a collection go back to the
// system only slowly, so the resident set runs to several times the live
// heap. On a target of 100,000 benchmarks that was most of the runner's
// peak, beside the BPF rings' fixed mappings. A soft memory limit of
// max(Floor, Ratio × live heap) has the collector run, and release pages,
// before the heap passes it. Because the limit stays above the live heap by
// a fixed ratio, a run holding more than Floor never has the collector
// running continuously: it collects as with GOGC at (Ratio-1)×100.
package memlimit

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	// Floor is the least limit: what the runner may use, beyond the BPF
	// rings, without collecting more often than Go's default.
	Floor = 96 << 20
	// Ratio is how far above the live heap the limit stays.
	Ratio = 1.5
	// every is how often the limit follows the live heap, which grows
	// with the windows recorded, slowly next to that.
	every = time.Second
)

// Limit is the memory limit for a live heap of live bytes.
func Limit(live uint64) int64 {
	return max(Floor, int64(Ratio*float64(live)))
}

// Start sets the limit and keeps it following the live heap until stop is
// called. A GOMEMLIMIT set in the environment is the user's choice, and is
// left alone.
func Start() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(Limit(sample[0].Value.Uint64()))
		}
	}
	set()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				set()
			}
		}
	}()
	return func() { close(done) }
}
