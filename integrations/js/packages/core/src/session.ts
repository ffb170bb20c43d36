// One connection per process, shared by every integration and every copy of
// this package loaded in it (ESM and CommonJS builds alike): a second hello
// from the same pid would restart the runner's session.
import { encodeFrame } from './codec.js';
import { Client, RemoteError, RunnerGoneError } from './client.js';
import { NoRunnerError } from './fifo.js';
import { HeapProbe, type JsHeap, usedHeap } from './heap.js';
import { ENV_ACK_FIFO, ENV_CTL_FIFO } from './protocol.js';
import { applyDeterminismFlags, applyMemoryModeFlags, determinismFlags, ENV_V8_FLAGS } from './v8flags.js';
import { warmupFromEnv } from './warmup.js';

/** What the integration knows of one benchmark after its run. */
export interface BenchmarkRecord {
  uri: string;
  /**
   * ok: measured; error: measured, but the body threw (error holds it);
   * unmeasured: the runner went away, the body ran once without a window.
   */
  status: 'ok' | 'error' | 'unmeasured';
  error?: unknown;
  /** Calls of the body run outside any window before the measured one, when the integration said. */
  warmup?: number;
  /** The V8 heap around the run; absent when unmeasured. */
  js_heap?: JsHeap;
}

const KEY = Symbol.for('memtally.session');
const REHEARSALS = 8;

function noop(): void {}

interface Slot {
  session: Session | null;
  // Why the integration cannot measure under the runner, given again to
  // every caller: none may fall back to the plain harness.
  error?: Error;
}

/** True when the environment names both FIFOs (SPEC.md 2.1). Reads two variables, nothing else. */
export function underRunner(): boolean {
  return !!process.env[ENV_CTL_FIFO] && !!process.env[ENV_ACK_FIFO];
}

function warn(message: string): void {
  process.emitWarning(`${message}; running as the plain harness`, { code: 'MEMTALLY' });
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

export class Session {
  /** Every benchmark run in this process so far, in order. */
  readonly records: BenchmarkRecord[] = [];
  private client: Client | null;
  private rehearsing = false;

  /** Warm-up calls of each body the runner asks for (MEMTALLY_WARMUP; DEFAULT_WARMUP_CALLS when absent). */
  readonly warmupCalls: number;

  constructor(client: Client, warmupCalls: number) {
    this.client = client;
    this.warmupCalls = warmupCalls;
    this.rehearse();
  }

  /**
   * Runs measure() on an empty body without the runner a few times, so that
   * V8 compiles and warms up the code a window runs before the first one
   * (the client warms up its requests likewise): otherwise each of the
   * first windows would carry a few hundred allocations of the compiler.
   */
  private rehearse(): void {
    this.rehearsing = true;
    try {
      for (let i = 0; i < REHEARSALS; i++) this.measure('memtally.rehearsal', noop, 1);
    } finally {
      this.rehearsing = false;
    }
  }

  /** Whether the runner still listens. */
  get connected(): boolean {
    return this.client !== null;
  }

  /**
   * Runs body exactly once inside the window of uri: start is sent and
   * acked before it, stop right after it returns (or after the promise it
   * returns settles). Setup belongs before this call, teardown after.
   * warmup is the number of calls of body the caller ran before this one,
   * outside any window (0: this is the cold first call); start carries it
   * to the runner. settled says that the caller ran settleHeap() before
   * those calls; otherwise the heap is settled here, just before the call.
   * Rejects or throws only for errors of the protocol's own; the body's
   * errors land in the record.
   */
  measure(uri: string, body: () => unknown, warmup?: number, settled = false): BenchmarkRecord | Promise<BenchmarkRecord> {
    const frame = encodeFrame({ kind: 'start', uri, warmup });
    const record: BenchmarkRecord = warmup === undefined ? { uri, status: 'ok' } : { uri, status: 'ok', warmup };
    const probe = HeapProbe.begin(settled);
    const open = this.open(frame);
    const before = usedHeap();
    let result: unknown;
    try {
      result = body();
    } catch (err) {
      return this.finish(record, probe, open, before, usedHeap(), err);
    }
    if (isThenable(result)) return this.settle(record, probe, open, before, result);
    return this.finish(record, probe, open, before, usedHeap());
  }

  private async settle(r: BenchmarkRecord, probe: HeapProbe, open: boolean, before: number, result: PromiseLike<unknown>): Promise<BenchmarkRecord> {
    try {
      await result;
    } catch (err) {
      return this.finish(r, probe, open, before, usedHeap(), err);
    }
    return this.finish(r, probe, open, before, usedHeap());
  }

  // Called with the body's outcome as soon as it is known. Between start's
  // ack and the stop frame only two heap reads of ours run, and V8 fills
  // those in place: no native allocation.
  private finish(r: BenchmarkRecord, probe: HeapProbe, open: boolean, before: number, used: number, ...thrown: unknown[]): BenchmarkRecord {
    const closed = this.close(open);
    const heap = probe.end(before, used);
    if (!closed) r.status = 'unmeasured';
    else {
      r.js_heap = heap;
      this.report(r.uri, heap);
    }
    if (thrown.length > 0) {
      r.error = thrown[0];
      if (r.status === 'ok') r.status = 'error';
    }
    if (!this.rehearsing) this.records.push(r);
    return r;
  }

  // Sent after stop's ack, outside the window: results.json then carries
  // the V8 heap beside the native numbers.
  private report(uri: string, heap: JsHeap): void {
    try {
      this.client?.jsHeap(uri, heap);
    } catch (err) {
      this.failed(err);
    }
  }

  private open(frame: Uint8Array): boolean {
    if (this.client === null || this.rehearsing) return false;
    try {
      this.client.start(frame);
      return true;
    } catch (err) {
      return this.failed(err);
    }
  }

  // Runs on rehearsals too, with open false, so that V8 has compiled this
  // and Client.stop before the first window: compiled lazily there, the two
  // cost that window 34 allocations (parser and bytecode compiler zones).
  private close(open: boolean): boolean {
    if (this.client === null) return false;
    try {
      this.client.stop(!open);
      return open;
    } catch (err) {
      return this.failed(err);
    }
  }

  /** Warns; drops the connection unless the runner merely refused this request. */
  private failed(err: unknown): false {
    warn(`memtally: ${(err as Error).message}`);
    if (!(err instanceof RemoteError)) {
      this.client?.close();
      this.client = null;
    }
    return false;
  }
}

/**
 * The process's session with the runner, connecting on first use, or null
 * outside the runner. Outside the runner it costs two environment reads.
 * Under the runner it throws, every time it is called, when the integration
 * cannot speak the protocol as designed (the FIFOs cannot be opened, the
 * reply watchdog cannot start): the harness must fail rather than run its
 * benchmarks unmeasured.
 */
export function session(integration: string, integrationVersion: string): Session | null {
  if (!underRunner()) return null;
  const g = globalThis as unknown as Record<symbol, Slot | undefined>;
  const slot = g[KEY];
  if (slot?.error) throw slot.error;
  if (slot) return slot.session;
  let s: Session | null = null;
  try {
    const warmupCalls = warmupFromEnv();
    s = new Session(
      Client.connect({
        ctlPath: process.env[ENV_CTL_FIFO]!,
        ackPath: process.env[ENV_ACK_FIFO]!,
        integration,
        integrationVersion,
      }),
      warmupCalls,
    );
    // From here on V8 keeps its own work out of the windows (v8flags.ts).
    // The settings apply to code compiled and work started afterwards, so
    // connecting early (the vitest runner, the tinybench preload) covers
    // the benchmark files.
    applyMemoryModeFlags();
    const flags = applyDeterminismFlags(determinismFlags());
    if (flags.missing.length > 0) {
      process.emitWarning(
        `memtally: ${ENV_V8_FLAGS} asks for ${flags.missing.join(' ')}, which V8 takes only at start-up; ` +
          `this process started without them, so its numbers may vary between runs (put them on node's command line)`,
        { code: 'MEMTALLY' },
      );
    }
  } catch (err) {
    if (err instanceof NoRunnerError) {
      // A stale environment with nobody listening is quiet (SPEC.md 2.3).
    } else if (err instanceof RemoteError || err instanceof RunnerGoneError) {
      // The runner refused the hello or went away: it knows, and says so.
      warn(`memtally: ${(err as Error).message}`);
    } else {
      // Broken FIFOs or no watchdog: running the benchmarks unmeasured
      // would change what the numbers mean without anyone noticing
      // (SPEC.md 2.3), so the harness stops here.
      const error = new Error(`memtally: cannot measure under the runner: ${(err as Error).message}`, { cause: err });
      g[KEY] = { session: null, error };
      throw error;
    }
  }
  g[KEY] = { session: s };
  return s;
}
