// Synchronous waiting for hello's reply. Node has no synchronous poll(), so
// the reply is awaited by trying a non-blocking read and, on EAGAIN,
// sleeping in Atomics.wait on a private cell that nobody notifies: a real
// sleep in the kernel (futex), with no event loop turn and no thread. The
// sleeps grow from 20 µs to 1 ms, so a prompt reply costs a few
// microseconds of latency and a slow one at most 1 ms. Each turn allocates
// a little (the EAGAIN exception, the wait), which is why replies inside
// benchmark windows are read differently (watchdog.ts).
const cell = new Int32Array(new SharedArrayBuffer(4));

const FIRST_SLEEP_MS = 0.02;
const MAX_SLEEP_MS = 1;

export class Backoff {
  private sleepMs = FIRST_SLEEP_MS;
  private deadline = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Starts a new wait; the clock is read only if the wait has to sleep. */
  reset(): void {
    this.sleepMs = FIRST_SLEEP_MS;
    this.deadline = 0;
  }

  /** Sleeps a little; returns false once the timeout has passed. */
  pause(): boolean {
    const now = performance.now();
    if (this.deadline === 0) this.deadline = now + this.timeoutMs;
    else if (now >= this.deadline) return false;
    Atomics.wait(cell, 0, 0, this.sleepMs);
    this.sleepMs = Math.min(this.sleepMs * 2, MAX_SLEEP_MS);
    return true;
  }
}
