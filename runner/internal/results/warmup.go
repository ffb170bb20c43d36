package results

import (
	"slices"
	"strconv"
)

// WarmupText says which call of the body the group's windows measured, as
// the warm-up calls before it: "1", "0" for the cold first call, a
// min–max range if repetitions differ, and "" when no integration said.
func (g Group) WarmupText() string {
	var calls []uint32
	for _, b := range g.Runs {
		if b.Warmup != nil {
			calls = append(calls, *b.Warmup)
		}
	}
	if len(calls) == 0 {
		return ""
	}
	lo, hi := slices.Min(calls), slices.Max(calls)
	if lo == hi {
		return strconv.FormatUint(uint64(lo), 10)
	}
	return strconv.FormatUint(uint64(lo), 10) + "–" + strconv.FormatUint(uint64(hi), 10)
}

// anyWarmup tells whether a window of run says how many calls warmed it up.
func anyWarmup(run *Run) bool {
	for _, b := range run.Benchmarks {
		if b.Warmup != nil {
			return true
		}
	}
	return false
}
