// Package compare diffs two runs benchmark by benchmark, matched by URI,
// and decides from thresholds which changes are regressions. It compares
// medians, and knows the noise: a benchmark whose repeats differed is
// noisy, and a change past its threshold is a regression only when it is
// also past the base's min–max range widened by that threshold; a
// deterministic benchmark is held to its threshold alone, which by default
// (auto) is exact equality.
package compare
