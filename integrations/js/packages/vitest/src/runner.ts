// The benchmark runner vitest loads under the memtally runner. It keeps
// vitest's own walk through the files and suites, and swaps tinybench's Task
// for one that runs its function once inside a window, with the bench's
// setup and teardown hooks outside it.
import { type BenchmarkRecord, benchmarkUri, session, type Session, settleHeap, sourcePath, warmUp, warmupPlan } from '@memtally/core';
// vitest 4.1 moved the runners and the task helpers to the main entry
// point; importing vitest/runners or vitest/suite prints a deprecation
// warning on every run.
import { BenchmarkRunner, TestRunner } from 'vitest';

import { INTEGRATION, INTEGRATION_VERSION } from './version.js';

type Fn = (...args: unknown[]) => unknown;

/** The parts of vitest's task tree this runner reads. */
interface VitestTask {
  name: string;
  type: string;
  mode: string;
  meta: Record<string, unknown> & { benchmark?: boolean; memtally?: Omit<BenchmarkRecord, 'error'> };
  tasks?: VitestTask[];
  suite?: VitestTask;
  file?: { filepath: string };
}

type TinybenchModule = Awaited<ReturnType<BenchmarkRunner['importTinybench']>>;

const getBenchFn = TestRunner.getBenchFn as unknown as (task: VitestTask) => Fn | undefined;
// The options exactly as the user passed them to bench(), before tinybench
// merges its defaults: only what the user set decides the warm-up.
const getBenchOptions = TestRunner.getBenchOptions as unknown as (task: VitestTask) => { warmupTime?: number; warmupIterations?: number } | undefined;

function uriOf(task: VitestTask, root: string): string {
  const groups: string[] = [];
  // Up to, not including, the file, which is a suite too.
  for (let s = task.suite; s && !('filepath' in s); s = s.suite) groups.unshift(s.name);
  return benchmarkUri(sourcePath(task.file!.filepath, root), groups, task.name);
}

function runnable(t: VitestTask): boolean {
  return t.mode === 'run' || t.mode === 'queued';
}

export default class MemtallyBenchmarkRunner extends BenchmarkRunner {
  private readonly session: Session | null = session(INTEGRATION, INTEGRATION_VERSION);
  // The benchmarks of the running file, by function, in the order vitest
  // creates their tinybench tasks: sub-suites first, then the suite's own.
  private readonly pending = new Map<Fn, VitestTask[]>();

  override async runSuite(suite: Parameters<BenchmarkRunner['runSuite']>[0]): Promise<void> {
    if (this.session) {
      const visit = (s: VitestTask): void => {
        for (const t of s.tasks ?? []) if (runnable(t) && t.type === 'suite' && !t.meta?.benchmark) visit(t);
        for (const t of s.tasks ?? []) {
          if (!runnable(t) || !t.meta?.benchmark) continue;
          const fn = getBenchFn(t);
          if (fn) this.pending.set(fn, [...(this.pending.get(fn) ?? []), t]);
        }
      };
      visit(suite as unknown as VitestTask);
    }
    await super.runSuite(suite);
  }

  override async importTinybench(): Promise<TinybenchModule> {
    const tinybench = await super.importTinybench();
    const s: Session | null = this.session;
    if (s === null) return tinybench;
    const measure = (uri: string, body: () => unknown, warmup: number, settled: boolean) => s.measure(uri, body, warmup, settled);
    const runnerWarmup = s.warmupCalls;
    const pending = this.pending;
    const root = this.config.root;

    class OnceTask extends tinybench.Task {
      private readonly vitestTask: VitestTask | undefined;
      private readonly body: Fn;

      constructor(...args: ConstructorParameters<typeof tinybench.Task>) {
        super(...args);
        this.body = args[2] as Fn;
        this.vitestTask = pending.get(this.body)?.shift();
      }

      override async warmup(): Promise<void> {}

      override async run(): Promise<this> {
        const t = this.vitestTask;
        if (!t) throw new Error(`memtally: no vitest benchmark matches tinybench task ${JSON.stringify(this.name)}`);
        const bench = this.bench as unknown as { setup?: Fn; teardown?: Fn };
        const options = getBenchOptions(t) ?? {};
        const plan = warmupPlan(runnerWarmup, { iterations: options.warmupIterations, timeMs: options.warmupTime });
        // Bound, so that no function of ours is compiled on the measured call.
        const body = this.body.bind(this);
        let warm = 0;
        let settled = false;
        if (plan.max > 0) {
          settled = settleHeap();
          // As tinybench 2.9 warms up a task: setup and teardown of the
          // warm-up phase around the calls.
          await bench.setup?.(this, 'warmup');
          warm = (await warmUp(plan, body)).calls;
          await bench.teardown?.(this, 'warmup');
        }
        await bench.setup?.(this, 'run');
        const record = await measure(uriOf(t, root), body, warm, settled && warm > 0);
        await bench.teardown?.(this, 'run');
        const { error, ...memtally } = record;
        t.meta.memtally = memtally;
        this.result = error === undefined ? emptyResult() : { ...emptyResult(), error };
        this.dispatchEvent(taskEvent(error === undefined ? 'complete' : 'error', this));
        return this;
      }
    }
    return { ...tinybench, Task: OnceTask } as TinybenchModule;
  }
}

/** A tinybench 2.9 result with no samples: vitest's reporter prints it as a row of zeros. */
function emptyResult(): NonNullable<InstanceType<TinybenchModule['Task']>['result']> {
  return {
    totalTime: 0,
    min: 0,
    max: 0,
    hz: 0,
    period: 0,
    samples: [],
    mean: 0,
    variance: 0,
    sd: 0,
    sem: 0,
    df: 0,
    critical: 0,
    moe: 0,
    rme: 0,
    p75: 0,
    p99: 0,
    p995: 0,
    p999: 0,
  };
}

function taskEvent(type: string, task: object): Event {
  const event = new Event(type);
  Object.defineProperty(event, 'task', { value: task });
  return event;
}
