package determinism

// V8Flags is the space-separated list of V8 flags a deterministic target
// gets in MEMTALLY_V8_FLAGS. The JS integrations apply exactly these, before
// V8 starts where a flag must be (a worker's execArgv), otherwise with
// v8.setFlagsFromString. Node accepts each of them at start-up.
//
//   - --no-lazy: compile functions when their file loads, not on their
//     first call, which in memory mode is the one call inside a window.
//   - --no-concurrent-sweeping: the forced GC before each window would
//     otherwise sweep on worker threads, whose mallocs land in the window
//     that is open meanwhile.
//   - --predictable: V8 runs its background work (compilation, GC tasks)
//     on the main thread at fixed points, not at times of the worker
//     threads' choosing.
//   - --hash-seed=1: V8's string and number hash tables otherwise use a
//     random seed per process, so their growth, and its mallocs, differ
//     between runs.
//   - --random-seed=1: seeds V8's own random number generator (Math.random,
//     address hints), which otherwise differs per process.
const V8Flags = "--no-lazy --no-concurrent-sweeping --predictable --hash-seed=1 --random-seed=1"
