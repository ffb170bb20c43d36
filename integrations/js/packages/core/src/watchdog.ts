// The reply timeout of SPEC.md 2.5 for blocking reads.
//
// Waiting for a reply by polling a non-blocking FIFO costs native
// allocations on every turn: Node builds an exception for each EAGAIN, and
// each Atomics.wait sleep allocates too (measured under the runner: about 7
// and 2.5 mallocs a turn). A start ack is awaited while the runner already
// tracks, so those turns would land in every window. A read on a blocking
// descriptor sleeps in the kernel and allocates nothing, but has no
// timeout: this watchdog, a worker thread, supplies it. When a reply is
// overdue it writes an error frame into the ack FIFO itself, which ends the
// blocked read; the client then sees that the watchdog fired.
//
// The worker must not run inside a window. Before sending start the client
// hands the new deadline over and waits until the worker sleeps on it; the
// worker is not woken by start's ack nor by stop, which it times from that
// same sleep, and wakes again after stop's ack, once tracking has ended.
// Only a body longer than the timeout sees the worker wake in its window.
// The worker announces that it has taken a deadline just before it calls
// Atomics.wait, and V8 allocates on the way into that wait
// (FutexEmulation::WaitSync: a wait-list node and three 1-byte blocks, 59
// bytes); preempted between the two under CPU load, the worker did that
// inside the window start had opened. So before start is sent the client
// also asks the kernel whether the worker's thread sleeps in the futex of a
// condition variable (/proc/self/task/TID/syscall).
//
// Without the worker the client could not time out, so a worker that cannot
// start is an error the caller must not paper over (see session.ts).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const ARMED = 0; // sequence number of the latest request sent
const DONE = 1; // sequence number of the latest reply received
const FIRED = 2; // 1 once the watchdog has written its frame
const READY = 3; // 1 once the worker runs its loop
const TIMING = 4; // the sequence number whose deadline the worker sleeps on
const TID = 5; // the worker's thread id, 0 when /proc does not say
const SLOTS = 6;
const STOPPED = -1;

// How long the client waits for the worker to take up a start request and
// fall asleep on it before sending it anyway: only a worker that gets no
// CPU for that long is not asleep by then.
const HANDOVER_MS = 1000;

// futex(2) is syscall 202 on x86-64; glibc's condition variables wait with
// FUTEX_WAIT_BITSET (9), its mutexes with FUTEX_WAIT (0).
const SYS_FUTEX = '202';
const FUTEX_CMD_MASK = 0x7f;
const FUTEX_WAIT_BITSET = 9;

/** Whether a /proc/TID/syscall line shows a thread asleep on a condition variable. */
export function asleepOnCondition(line: string): boolean {
  const f = line.trim().split(' ');
  return f[0] === SYS_FUTEX && f.length > 2 && (Number(f[2]) & FUTEX_CMD_MASK) === FUTEX_WAIT_BITSET;
}

// How long the worker may take to start. Its start-up is a new V8 isolate
// and a Node bootstrap, tens of thousands of allocations, each of which
// traps into the runner's probes; on a loaded machine that took longer than
// the 5 s reply timeout it used to share. A worker that has not started in
// a minute is broken, not slow.
export const STARTUP_MS = 60_000;

// Runs as a CommonJS script in the worker (eval), so both builds share it.
const WORKER_SOURCE = `
const { openSync, writeSync, closeSync, readlinkSync, constants } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { state, armedAt, ackPath, timeoutMs, frame } = workerData;
function step(s, at) {
  const armed = Atomics.load(s, ${ARMED});
  if (armed === ${STOPPED}) return false;
  const done = Atomics.load(s, ${DONE});
  if (done >= armed) {
    Atomics.wait(s, ${ARMED}, armed);
    return true;
  }
  const left = at[0] + timeoutMs - Date.now();
  if (left > 0) {
    Atomics.store(s, ${TIMING}, armed);
    Atomics.notify(s, ${TIMING});
    Atomics.wait(s, ${DONE}, done, left);
    return true;
  }
  Atomics.store(s, ${FIRED}, 1);
  try {
    const fd = openSync(ackPath, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, frame);
    closeSync(fd);
  } catch {}
  return false;
}
try {
  Atomics.store(state, ${TID}, Number(readlinkSync('/proc/thread-self').split('/').pop()) || 0);
} catch {}
Atomics.store(state, ${READY}, 1);
Atomics.notify(state, ${READY});
while (step(state, armedAt));
`;

/** The watchdog thread, without which replies cannot time out, is not running. */
export class WatchdogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchdogError';
  }
}

export class Watchdog {
  private readonly state = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private readonly armedAt = new Float64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  private syscallPath: string | null = null;
  private seq = 0;

  constructor(ackPath: string, timeoutMs: number, frame: Uint8Array, startupMs = STARTUP_MS) {
    try {
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { state: this.state, armedAt: this.armedAt, ackPath, timeoutMs, frame },
        // Not the process's flags: --input-type=module, say, would make the
        // script an ES module, where require does not exist.
        execArgv: [],
      });
    } catch (err) {
      // Node's permission model without --allow-worker, for one.
      throw new WatchdogError(`the reply watchdog thread cannot be created: ${(err as Error).message}`);
    }
    this.worker.on('error', (err) => {
      process.emitWarning(`memtally: reply watchdog failed: ${err.message}`, { code: 'MEMTALLY' });
    });
    // It must never keep the benchmark process alive.
    this.worker.unref();
    // A worker's start-up allocates a lot; it must be over before the first
    // window. Threads start without the event loop, so blocking is fine.
    if (Atomics.wait(this.state, READY, 0, startupMs) === 'timed-out') {
      void this.worker.terminate();
      throw new WatchdogError(`the reply watchdog thread did not start within ${startupMs} ms`);
    }
    const tid = Atomics.load(this.state, TID);
    if (tid > 0) this.syscallPath = `/proc/self/task/${tid}/syscall`;
  }

  /** The worker's thread id, or 0 when /proc did not say. */
  get threadId(): number {
    return Atomics.load(this.state, TID);
  }

  /**
   * Starts the deadline of a request about to be sent. With handover, the
   * worker is woken and the call returns once it sleeps on this deadline,
   * so that none of its work overlaps the window the request may open.
   * Without, only an idle worker is woken; one still timing the previous
   * request sleeps on, and picks this one up when that deadline passes.
   */
  arm(handover: boolean): void {
    this.armedAt[0] = Date.now();
    const seq = ++this.seq;
    Atomics.store(this.state, ARMED, seq);
    Atomics.notify(this.state, ARMED);
    if (!handover) return;
    Atomics.notify(this.state, DONE);
    const until = Date.now() + HANDOVER_MS;
    for (let timing = Atomics.load(this.state, TIMING); timing !== seq; timing = Atomics.load(this.state, TIMING)) {
      const left = until - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.state, TIMING, timing, left);
    }
    this.awaitSleep(until);
  }

  // Returns once the kernel shows the worker asleep in its wait, or at
  // until. Without /proc (another OS, or Node's permission model) it
  // returns at once, as the handover did before.
  private awaitSleep(until: number): void {
    while (this.syscallPath !== null) {
      let line: string;
      try {
        line = readFileSync(this.syscallPath, 'latin1');
      } catch {
        this.syscallPath = null;
        return;
      }
      if (asleepOnCondition(line) || Date.now() >= until) return;
      Atomics.wait(this.nap, 0, 0, 0.05);
    }
  }

  /** Records that the reply arrived; wake lets the worker go idle now rather than at its deadline. */
  settle(wake: boolean): void {
    Atomics.store(this.state, DONE, this.seq);
    if (wake) Atomics.notify(this.state, DONE);
  }

  /** Whether the last reply read was the watchdog's, not the runner's. */
  get fired(): boolean {
    return Atomics.load(this.state, FIRED) === 1;
  }

  close(): void {
    Atomics.store(this.state, ARMED, STOPPED);
    Atomics.notify(this.state, ARMED);
    Atomics.notify(this.state, DONE);
    void this.worker.terminate();
  }
}
