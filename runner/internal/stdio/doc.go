// Package stdio shares the runner's stdout and stderr with the benchmark
// commands so that a reader that goes away (runner … | head) stops neither
// the runner nor the measurement.
//
// A write to a pipe without a reader raises SIGPIPE, whose default action
// ends the process. The runner itself therefore takes SIGPIPE (Open), so
// that such a write fails with EPIPE, and its Streams then discard what
// is written to them instead of failing: the exit status keeps saying what
// the run measured. The benchmark command must not die of SIGPIPE either,
// or its numbers would change. When the runner's stream is a pipe or a
// socket, the command gets a pipe of the runner's own (Command), copied
// through, and the copy discards once the reader is gone; a terminal or a
// file is passed through as it is, so that harnesses still see a
// terminal for colour and progress. When stdout and stderr are the same
// pipe, the command gets one pipe for both, so that their interleaving is
// kept as the command wrote it.
package stdio
