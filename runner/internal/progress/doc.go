// Package progress tells the user what a run is doing: on a terminal, one
// status line redrawn in place with the target, the benchmark, n of N and
// the elapsed time; elsewhere (CI logs, pipes) plain lines, one per event,
// that read well once the run is over.
package progress
