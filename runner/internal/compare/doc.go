// Package compare diffs two runs benchmark by benchmark, matched by URI,
// and decides from thresholds which changes are regressions. Under
// --repeat it compares medians, and calls a change noise when the ranges of
// the two sides overlap: neither sample lies wholly above the other.
package compare
