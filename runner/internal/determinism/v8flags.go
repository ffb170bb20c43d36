package determinism

// V8Flags is the space-separated list of V8 flags a deterministic target
// gets in MEMTALLY_V8_FLAGS. The JS integrations apply exactly these, before
// V8 starts where a flag must be (a vitest worker's execArgv), otherwise
// with v8.setFlagsFromString. Node accepts each of them at start-up. Each
// was measured on a public vitest suite run twice (BENCHMARKS.md,
// "Determinism: JavaScript"); --predictable, --hash-seed and --random-seed
// were measured too and left out: --predictable does not stop tiering,
// and node's hash seed is baked into its snapshot.
//
//   - --no-lazy: compile functions when their file loads, not on their
//     first call, which in memory mode may be the one call inside a window.
//   - --no-concurrent-sweeping: the forced GC before each window would
//     otherwise sweep on worker threads, whose mallocs land in the window
//     that is open meanwhile.
//   - --no-sparkplug: Sparkplug compiles in batches at moments of its own
//     choosing, which fall in whichever window is open.
//   - --no-opt: the optimising tiers' checks and compiles (tier-up
//     filters copy the function's name) otherwise land in windows at
//     times that depend on call counts.
//   - --single-threaded: no background compile or GC threads at all, so
//     nothing allocates on a thread of V8's choosing while a window is
//     open.
//   - --predictable-gc-schedule: a new space of fixed size, and heap
//     growing without the memory reducer's timers. Otherwise V8 sizes the
//     new space after each GC from the allocation rate it measured, in
//     bytes per millisecond, so that where a scavenge falls, inside a
//     window or not, depended on the machine's speed. It is read when the
//     isolate starts.
//   - --no-lazy-feedback-allocation: a function gets its feedback vector
//     on its first call rather than after several, so its inline caches
//     settle during the warm-up call. Otherwise the measured call was the
//     one where they first went polymorphic (temporary std::vectors of
//     maps), and the new feedback stored into an old vector allocated a
//     remembered-set bucket or not, as other code had stored near it.
//   - --no-regexp-tier-up: a regular expression is compiled to machine
//     code on its first execution, not on its second, which for a body
//     that runs it once was the measured call (a zone, assembler buffers,
//     and the code space's lazy sweeping).
const V8Flags = "--no-lazy --no-concurrent-sweeping --no-sparkplug --no-opt --single-threaded --predictable-gc-schedule --no-lazy-feedback-allocation --no-regexp-tier-up"
