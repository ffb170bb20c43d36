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

/**
 * The V8 flags the runner asks for when a target is deterministic,
 * space-separated; absent or empty when it is not.
 */
export const ENV_V8_FLAGS = 'MEMTALLY_V8_FLAGS';

/** The flags of MEMTALLY_V8_FLAGS, in order; none when it is absent or empty. */
export function determinismFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[ENV_V8_FLAGS] ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Flags V8 reads only while the isolate starts (or that abort the process
 * when set later): they work on node's command line, as the vitest plugin
 * puts them in its workers' execArgv, and cannot be applied from inside a
 * running process. The name is matched with and without "no-" and any
 * "=value".
 */
export const START_UP_ONLY_V8_FLAGS: ReadonlySet<string> = new Set([
  // Read when the isolate is created: the seeds of string hashing and of
  // Math.random, and what --predictable implies for the whole isolate.
  'hash-seed',
  'random-seed',
  'predictable',
  // The new space's size, which V8 fixes when it sets the heap up.
  'predictable-gc-schedule',
  // Threads V8 starts with the isolate.
  'single-threaded',
  'concurrent-recompilation',
  // Set at run time, node aborts at its next full GC.
  'single-threaded-gc',
]);

function flagName(flag: string): string {
  return flag.replace(/^--?/, '').split('=')[0].replace(/^no-/, '').replaceAll('_', '-');
}

/** What applyDeterminismFlags did with each flag. */
export interface AppliedFlags {
  /** Already on node's command line (process.execArgv): in force since start-up. */
  atStartUp: string[];
  /** Set now with v8.setFlagsFromString. */
  atRunTime: string[];
  /** Start-up-only flags the process did not start with: not applied. */
  missing: string[];
}

/**
 * Applies flags as far as a running process can: those on node's command
 * line are in force already, start-up-only ones that are not cannot be
 * applied (the caller says so), and the rest are set now.
 */
export function applyDeterminismFlags(flags: readonly string[], execArgv: readonly string[] = process.execArgv): AppliedFlags {
  const out: AppliedFlags = { atStartUp: [], atRunTime: [], missing: [] };
  const started = new Set(execArgv.map((a) => a.replaceAll('_', '-')));
  for (const flag of flags) {
    if (started.has(flag.replaceAll('_', '-'))) out.atStartUp.push(flag);
    else if (START_UP_ONLY_V8_FLAGS.has(flagName(flag))) out.missing.push(flag);
    else {
      setFlagsFromString(flag);
      out.atRunTime.push(flag);
    }
  }
  return out;
}
