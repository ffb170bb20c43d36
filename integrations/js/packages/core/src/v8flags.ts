// The V8 settings memory mode applies when a process connects to the runner.
// The runner's probes count the malloc calls of every thread of the process,
// so V8 work that runs on its own schedule lands in whichever window happens
// to be open: each setting here moves such work to a fixed place.
import { setFlagsFromString } from 'node:v8';

/** One V8 flag memory mode sets, and why. */
export interface V8Setting {
  readonly flag: string;
  readonly why: string;
}

/**
 * Applied in this order by applyMemoryModeFlags(). Each takes effect for
 * work V8 starts after it is set: V8 reads these at run time. Others that
 * would help cannot be set here. V8 fixes --concurrent-recompilation when
 * the isolate starts (set later, optimising compilation stays concurrent),
 * Node refuses it in NODE_OPTIONS, and --single-threaded-gc set at run time
 * aborts the process on its next full GC.
 */
export const MEMORY_MODE_V8_FLAGS: readonly V8Setting[] = Object.freeze([
  {
    flag: '--no-lazy',
    // In memory mode a benchmark's first call is its only one, inside its
    // window: compiling an empty body there took about 15 mallocs and
    // 30 KB. Eager compilation moves that to when the file is loaded.
    why: 'compile functions when their file loads, not on their one call inside a window',
  },
  {
    flag: '--no-concurrent-sweeping',
    // The forced GC before each window starts sweeping on V8's worker
    // threads, which then grow std::vectors (Sweeper::RawSweep) while the
    // empty window that follows is open: 21 mallocs in one window seen
    // under CPU load. Unswept pages are swept by the next GC, outside.
    why: 'no GC sweeping on worker threads while a window is open',
  },
]);

/** Sets every flag of MEMORY_MODE_V8_FLAGS. */
export function applyMemoryModeFlags(): void {
  for (const s of MEMORY_MODE_V8_FLAGS) setFlagsFromString(s.flag);
}
