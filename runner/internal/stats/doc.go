// Package stats summarises a metric measured over several runs of the same
// benchmark as its median and its min–max range, the way benchstat reports
// noisy benchmarks: the median resists one odd run, and the range shows how
// far the runs spread, also as a percentage of the median.
package stats
