// How many calls of a benchmark's body run outside any window before the
// one call its window measures. Memory mode measures a call in steady
// state by default: a first call also pays for what later calls reuse
// (compiled code, caches, lazily built tables).
import { UINT32_MAX } from './protocol.js';

/** The runner's warm-up knob: `--warmup N`, target `warmup`, `options.warmup`. */
export const ENV_WARMUP = 'MEMTALLY_WARMUP';

/**
 * Warm-up calls when the runner passes none, as it does unless --warmup or
 * the config says. One call is not V8's steady state: on the second, inline
 * caches met a shape the allocation sites had settled on after the first
 * and went polymorphic (native vectors of maps), and storing that feedback
 * into an old feedback vector allocated a remembered-set bucket or not,
 * depending on what else had stored nearby. On a public vitest suite, ten
 * runs of 23 benchmarks, counting the benchmarks that differed between
 * runs and those whose windows held allocations other than Node's own
 * (JSON, structuredClone): one warm-up call left 2 and 3, two left 1 and
 * 1, three left none and 1 (BENCHMARKS.md, "Determinism: JavaScript").
 */
export const DEFAULT_WARMUP_CALLS = 3;

/**
 * The most warm-up calls a harness's own options may ask for. Harness
 * defaults are sized for timing (tinybench warms up for 100 to 250 ms, which
 * is thousands of calls of a quick body); memory mode needs the state after
 * a few calls, and every call before the window can only add what it keeps
 * alive. Past this the measured call would sit later in V8's tiering than
 * any count a user picks for memory, for nothing but time.
 */
export const MAX_HARNESS_WARMUP_CALLS = 100;

/** The warm-up calls MEMTALLY_WARMUP asks for; DEFAULT_WARMUP_CALLS when it is absent or empty. */
export function warmupFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV_WARMUP];
  if (raw === undefined || raw.trim() === '') return DEFAULT_WARMUP_CALLS;
  const s = raw.trim();
  if (!/^[0-9]+$/.test(s) || Number(s) > UINT32_MAX) {
    throw new Error(`${ENV_WARMUP}=${JSON.stringify(raw)}: want a whole number of calls from 0 to ${UINT32_MAX}`);
  }
  return Number(s);
}

/**
 * A harness's warm-up options, only those the user set: tinybench's
 * `warmup`, `warmupIterations` and `warmupTime` (ms), vitest's bench options
 * of the same names.
 */
export interface HarnessWarmup {
  enabled?: boolean;
  iterations?: number;
  timeMs?: number;
}

/** How many warm-up calls to run: at least `calls`, and on until `timeMs` has passed, never more than `max`. */
export interface WarmupPlan {
  calls: number;
  timeMs: number;
  max: number;
  /** What decided: the runner's knob, or the harness's own options. */
  from: 'runner' | 'harness';
}

function finite(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/**
 * The plan for one benchmark. The harness's options decide when the user
 * set any of them, in the harness's semantics (at least `iterations` calls
 * and at least `timeMs` of them, as tinybench's warm-up loop runs) but at
 * most MAX_HARNESS_WARMUP_CALLS; `enabled: false` means none. Otherwise
 * the runner's count decides, exactly.
 */
export function warmupPlan(runnerCalls: number, harness: HarnessWarmup = {}): WarmupPlan {
  if (harness.enabled === false) return { calls: 0, timeMs: 0, max: 0, from: 'harness' };
  const iterations = finite(harness.iterations) ? Math.ceil(harness.iterations) : undefined;
  const timeMs = finite(harness.timeMs) ? harness.timeMs : undefined;
  if (iterations === undefined && timeMs === undefined) {
    return { calls: runnerCalls, timeMs: 0, max: runnerCalls, from: 'runner' };
  }
  const max = MAX_HARNESS_WARMUP_CALLS;
  return { calls: Math.min(iterations ?? 0, max), timeMs: timeMs ?? 0, max, from: 'harness' };
}

/** What a warm-up did: the calls that returned, and the error that ended it early, if one did. */
export interface WarmedUp {
  calls: number;
  error?: unknown;
}

function more(plan: WarmupPlan, n: number, start: number): boolean {
  return n < plan.max && (n < plan.calls || performance.now() - start < plan.timeMs);
}

/**
 * Runs call as the plan says. A call that throws ends the warm-up, as it
 * ends a harness's; the measured call that follows shows the body's error
 * in its record, and the error is returned for the harness to report.
 */
export async function warmUp(plan: WarmupPlan, call: () => unknown): Promise<WarmedUp> {
  const start = performance.now();
  let n = 0;
  try {
    while (more(plan, n, start)) {
      await call();
      n++;
    }
  } catch (error) {
    return { calls: n, error };
  }
  return { calls: n };
}

/** warmUp for synchronous bodies and hooks (tinybench's runSync). */
export function warmUpSync(plan: WarmupPlan, call: () => unknown): WarmedUp {
  const start = performance.now();
  let n = 0;
  try {
    while (more(plan, n, start)) {
      call();
      n++;
    }
  } catch (error) {
    return { calls: n, error };
  }
  return { calls: n };
}
