// Package overhead measures what memtally's capture costs: the time a
// traced program loses per allocation, against the uprobe traps alone and
// against no tracing at all; what an unrelated program beside it pays; the
// highest allocation rate a traced tree sustains and what it drops there;
// the runner's own memory over long windows; and how long attaching takes.
//
// The measurements are Go benchmarks in this package's tests, run by
// scripts/bench, which prints the table recorded in BENCHMARKS.md. They
// need root. A plain go test runs only the unit tests of the pieces below.
//
// The package's own code is what those benchmarks need beyond package
// capture:
//   - AttachNoop places BPF programs that return at once (bpf/noop.c) at
//     exactly the offsets, and with the same entry and return links, that
//     capture uses for a process's allocators. The difference between a
//     run under them and a traced run is the capture's own work; the rest
//     is the price of a uprobe trap on this kernel, which no uprobe tracer
//     avoids.
//   - Held and StartHeld launch a command stopped before its exec, the way
//     the runner does, so probes are in place before its first allocation.
//   - ReadMemory and ResetPeak read the Go heap and the resident set of
//     the calling process, so a benchmark can show that the tracer's memory
//     depends on live blocks and not on how many events it has read.
package overhead
