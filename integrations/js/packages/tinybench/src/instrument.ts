// Runs a tinybench Bench the memory-mode way: every task exactly once inside
// its window, with tinybench's hooks around it and outside it. Written
// against what tinybench 2.9 to 6.x have in common, found at run time,
// since their task fields and options moved between majors.
import { dirname } from 'node:path';

import {
  type BenchmarkRecord,
  benchmarkUri,
  findProjectRoot,
  type HarnessWarmup,
  type Session,
  settleHeap,
  sourcePath,
  warmUp,
  warmupPlan,
  warmUpSync,
} from '@memtally/core';

type Hook = (this: unknown, ...args: unknown[]) => unknown;

interface FnOptions {
  beforeAll?: Hook;
  beforeEach?: Hook;
  afterEach?: Hook;
  afterAll?: Hook;
}

interface Added {
  fn: Hook;
  opts: FnOptions;
  file: string | undefined;
}

/** The parts of a tinybench Bench this module uses, in every major. */
export interface BenchLike {
  readonly tasks: ReadonlyArray<{ readonly name: string }>;
  readonly name?: string;
  add(name: string, fn: unknown, opts?: unknown): unknown;
}

const ADDED = Symbol.for('memtally.tinybench.added');
const RECORDS = Symbol.for('memtally.tinybench.records');
const BY_TASK = Symbol.for('memtally.tinybench.by-task');

type Tracked = BenchLike & {
  [ADDED]?: Map<string, Added>;
  [RECORDS]?: BenchmarkRecord[];
  [BY_TASK]?: Map<string, BenchmarkRecord>;
};

const here = callSites()[0]?.getFileName() ?? '';
const ownDir = dirname(here.startsWith('file:') ? new URL(here).pathname : here);

function callSites(): NodeJS.CallSite[] {
  const saved = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_, sites) => sites;
    return new Error().stack as unknown as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = saved;
  }
}

/** The source file that called into tinybench: the first frame neither ours, tinybench's nor Node's. */
function callerFile(): string | undefined {
  for (const site of callSites()) {
    const f = site.getFileName();
    if (!f || f.startsWith('node:')) continue;
    const path = f.startsWith('file:') ? new URL(f).pathname : f;
    if (path.startsWith(ownDir) || /[\\/]node_modules[\\/]tinybench[^\\/]*[\\/]/.test(path)) continue;
    return path;
  }
  return undefined;
}

/** Remembers a task's function, options and defining file as add() receives them. */
export function recordAdd(bench: Tracked, name: string, fn: unknown, opts: unknown): void {
  const added = (bench[ADDED] ??= new Map());
  added.set(name, { fn: fn as Hook, opts: (opts ?? {}) as FnOptions, file: callerFile() });
}

/** What memory mode measured for each task of bench, in run order; empty outside the runner. */
export function recordsOf(bench: object): BenchmarkRecord[] {
  return (bench as Tracked)[RECORDS] ?? [];
}

function taskParts(bench: Tracked, task: { name: string }): Added {
  const added = bench[ADDED]?.get(task.name);
  if (added) return added;
  // Added before instrumentation: tinybench 2.9 to 5.x keep fn and options
  // on the task; 6.x hides them.
  const t = task as { fn?: Hook; opts?: FnOptions; fnOpts?: FnOptions };
  if (typeof t.fn === 'function') return { fn: t.fn, opts: t.fnOpts ?? t.opts ?? {}, file: undefined };
  throw new Error(`memtally: task ${JSON.stringify(task.name)} was added before the Bench was instrumented; wrap it with withMemtally() right after new Bench()`);
}

function benchHooks(bench: Tracked): { setup?: Hook; teardown?: Hook } {
  // 2.9 and 6.x keep them on the bench, 3.x to 5.x in bench.opts.
  const b = bench as unknown as { setup?: Hook; teardown?: Hook; opts?: { setup?: Hook; teardown?: Hook } };
  return { setup: b.opts?.setup ?? b.setup, teardown: b.opts?.teardown ?? b.teardown };
}

interface WarmupOptions {
  warmup?: boolean | (() => unknown);
  warmupTime?: number;
  warmupIterations?: number;
}

/**
 * The warm-up options the user gave the Bench. tinybench keeps them merged
 * with its defaults (2.x on the bench: 100 ms, 5 calls; 3.x to 5.x in
 * bench.opts and 6.x on the bench: warmup on, 250 ms, 16 calls), so a value
 * equal to the major's default counts as not set.
 */
export function harnessWarmup(bench: object): HarnessWarmup {
  const b = bench as WarmupOptions & { opts?: WarmupOptions };
  const o: WarmupOptions = b.opts ?? b;
  // 3.x and later have a boolean warmup option; in 2.x bench.warmup is the
  // warm-up method.
  const v2 = typeof o.warmup !== 'boolean';
  const defaults = v2 ? { time: 100, iterations: 5 } : { time: 250, iterations: 16 };
  const out: HarnessWarmup = {};
  if (o.warmup === false) out.enabled = false;
  if (o.warmupTime !== undefined && o.warmupTime !== defaults.time) out.timeMs = o.warmupTime;
  if (o.warmupIterations !== undefined && o.warmupIterations !== defaults.iterations) out.iterations = o.warmupIterations;
  return out;
}

function uriOf(bench: Tracked, task: { name: string }, file: string | undefined): string {
  const source = file ?? process.argv[1] ?? 'bench';
  const root = findProjectRoot(dirname(source));
  const groups = bench.name ? [bench.name] : [];
  return benchmarkUri(sourcePath(source, root), groups, task.name);
}

function keep(bench: Tracked, task: { name: string }, record: BenchmarkRecord): void {
  (bench[RECORDS] ??= []).push(record);
  (bench[BY_TASK] ??= new Map()).set(task.name, record);
  report(record);
}

function report(record: BenchmarkRecord): void {
  if (record.status !== 'error') return;
  console.error(`memtally: benchmark ${record.uri} failed:`, record.error);
  process.exitCode = 1;
}

/**
 * Runs every task of bench: its warm-up calls outside any window, with the
 * hooks around them as tinybench runs them in its warm-up phase, then one
 * call inside its window. Resolves to bench.tasks, as Bench.run() does.
 */
export async function runOnce(bench: Tracked, s: Session): Promise<unknown> {
  const { setup, teardown } = benchHooks(bench);
  const plan = warmupPlan(s.warmupCalls, harnessWarmup(bench));
  for (const task of bench.tasks) {
    const { fn, opts, file } = taskParts(bench, task);
    const uri = uriOf(bench, task, file);
    // Bound, so that no function of ours is compiled on the measured call.
    const body = fn.bind(task);
    let warm = 0;
    let settled = false;
    if (plan.max > 0) {
      settled = settleHeap();
      await setup?.(task, 'warmup');
      await opts.beforeAll?.call(task);
      warm = (
        await warmUp(plan, async () => {
          await opts.beforeEach?.call(task);
          await body();
          await opts.afterEach?.call(task);
        })
      ).calls;
      await opts.afterAll?.call(task);
      await teardown?.(task, 'warmup');
    }
    await setup?.(task, 'run');
    await opts.beforeAll?.call(task);
    await opts.beforeEach?.call(task);
    const record = await s.measure(uri, body, warm, settled && warm > 0);
    await opts.afterEach?.call(task);
    await opts.afterAll?.call(task);
    await teardown?.(task, 'run');
    keep(bench, task, record);
  }
  return bench.tasks;
}

function isThenable(v: unknown): boolean {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** runOnce for Bench.runSync(): every hook and task must be synchronous, as tinybench requires there. */
export function runOnceSync(bench: Tracked, s: Session): unknown {
  const { setup, teardown } = benchHooks(bench);
  const plan = warmupPlan(s.warmupCalls, harnessWarmup(bench));
  const sync = (v: unknown, what: string): void => {
    if (isThenable(v)) throw new Error(`memtally: ${what} returned a promise in runSync()`);
  };
  for (const task of bench.tasks) {
    const { fn, opts, file } = taskParts(bench, task);
    const uri = uriOf(bench, task, file);
    const body = fn.bind(task);
    let warm = 0;
    let settled = false;
    if (plan.max > 0) {
      settled = settleHeap();
      sync(setup?.(task, 'warmup'), 'setup');
      sync(opts.beforeAll?.call(task), 'beforeAll');
      const warmed = warmUpSync(plan, () => {
        sync(opts.beforeEach?.call(task), 'beforeEach');
        sync(body(), `task ${JSON.stringify(task.name)}`);
        sync(opts.afterEach?.call(task), 'afterEach');
      });
      if (warmed.error instanceof Error && warmed.error.message.startsWith('memtally:')) throw warmed.error;
      warm = warmed.calls;
      sync(opts.afterAll?.call(task), 'afterAll');
      sync(teardown?.(task, 'warmup'), 'teardown');
    }
    sync(setup?.(task, 'run'), 'setup');
    sync(opts.beforeAll?.call(task), 'beforeAll');
    sync(opts.beforeEach?.call(task), 'beforeEach');
    const record = s.measure(uri, body, warm, settled && warm > 0);
    if (isThenable(record)) throw new Error(`memtally: task ${JSON.stringify(task.name)} returned a promise in runSync()`);
    sync(opts.afterEach?.call(task), 'afterEach');
    sync(opts.afterAll?.call(task), 'afterAll');
    sync(teardown?.(task, 'run'), 'teardown');
    keep(bench, task, record as BenchmarkRecord);
  }
  return bench.tasks;
}

/** One row of table() in memory mode. */
export interface MemoryRow {
  'Task name': string;
  'Memory mode': string;
  'JS heap delta (B)': number | string;
  'JS heap peak delta (B)': number | string;
}

/**
 * What table() returns under the runner: a row per task that ran, with what
 * memory mode did. tinybench's own table would show latency columns of
 * tasks it never timed ("N/A", "not-started" in 6.x, null rows before).
 * The native numbers are the runner's, in its report.
 */
export function memoryTable(bench: Tracked): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const task of bench.tasks) {
    const r = bench[BY_TASK]?.get(task.name);
    if (!r) continue;
    const status =
      r.status === 'ok'
        ? 'measured once'
        : r.status === 'error'
          ? `measured once, threw: ${(r.error as Error)?.message ?? String(r.error)}`
          : 'unmeasured: the runner went away';
    rows.push({
      'Task name': task.name,
      'Memory mode': status,
      'JS heap delta (B)': r.js_heap?.delta_bytes ?? '-',
      'JS heap peak delta (B)': r.js_heap?.peak_delta_bytes ?? '-',
    });
  }
  return rows;
}

// What tinybench holds as each task's function under the runner.
async function asyncStandIn(): Promise<void> {}

/** Methods that would run tasks more than once; each is replaced under the runner. */
const WARMUPS = ['warmup', 'warmupTasks', 'warmupTasksSync'] as const;

/**
 * Replaces add, run, runSync, table and the warm-up methods on target, an
 * instance or a Bench prototype, for memory mode.
 */
export function instrument(target: Record<string, unknown>, s: Session): void {
  const add = target.add as (this: BenchLike, ...args: unknown[]) => unknown;
  target.add = function (this: Tracked, name: string, fn: unknown, opts?: unknown) {
    recordAdd(this, name, fn, opts);
    // tinybench calls a plain function once to learn whether it returns a
    // promise (6.x in add, earlier majors in run); an async stand-in
    // answers without running the body, which runs only in its window.
    return add.call(this, name, asyncStandIn, opts);
  };
  target.run = function (this: Tracked) {
    return runOnce(this, s);
  };
  if (typeof target.runSync === 'function') {
    target.runSync = function (this: Tracked) {
      return runOnceSync(this, s);
    };
  }
  if (typeof target.table === 'function') {
    target.table = function (this: Tracked) {
      return memoryTable(this);
    };
  }
  for (const name of WARMUPS) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = name.endsWith('Sync') ? () => {} : async () => {};
  }
}
