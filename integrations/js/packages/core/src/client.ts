// A synchronous protocol client (SPEC.md sections 2, 5 and 6). Every request
// blocks the thread until its reply, so a benchmark's window holds nothing
// of the event loop: after start's ack the next thing that runs is the body.
import { closeSync, readSync, writeSync } from 'node:fs';

import { decodePayload, encodeFrame, frameLength, HEADER_SIZE } from './codec.js';
import { openBlockingReader, openFifos } from './fifo.js';
import {
  type Hello,
  MAX_FRAME_SIZE,
  type Message,
  MODE_MEMORY,
  PROTOCOL_MIN_VERSION,
  PROTOCOL_VERSION,
  type Welcome,
} from './protocol.js';
import type { JsHeap } from './heap.js';
import { Backoff } from './wait.js';
import { Watchdog } from './watchdog.js';

/** How long one reply may take, as SPEC.md 2.5 recommends. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** The runner stopped answering, closed its end, or answered nonsense (SPEC.md 2.5). */
export class RunnerGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerGoneError';
  }
}

/** The runner answered a request with an error reply. */
export class RemoteError extends Error {
  constructor(readonly reason: string) {
    super(`runner: ${reason}`);
    this.name = 'RemoteError';
  }
}

// Pre-built, so that sending stop and recognising the acks of start and
// stop, the only client work inside a window, allocate nothing.
const STOP_FRAME = encodeFrame({ kind: 'stop' });
const ACK_FRAME = encodeFrame({ kind: 'ack' });
const ACK: Message = Object.freeze({ kind: 'ack' });
const WARM_UP_ROUND_TRIPS = 8;
const TIMEOUT_FRAME = encodeFrame({ kind: 'error', reason: 'memtally client: no reply within the timeout' });

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export interface ConnectOptions {
  ctlPath: string;
  ackPath: string;
  integration: string;
  integrationVersion: string;
  timeoutMs?: number;
}

export class Client {
  readonly welcome: Welcome;
  private closed = false;
  // One frame at most: the header and the largest payload.
  private readonly rx = Buffer.alloc(HEADER_SIZE + MAX_FRAME_SIZE);
  private readonly backoff: Backoff;
  // After hello, replies are read from a second, blocking descriptor of the
  // ack FIFO, under the watchdog's timeout (see watchdog.ts).
  private blockingAck = -1;
  private watchdog: Watchdog | null = null;

  private constructor(
    private readonly ctl: number,
    private readonly ack: number,
    ackPath: string,
    timeoutMs: number,
    hello: Hello,
  ) {
    this.backoff = new Backoff(timeoutMs);
    try {
      this.welcome = this.hello(hello);
      // The runner holds ack open for writing, so this open does not block.
      this.blockingAck = openBlockingReader(ackPath);
      this.watchdog = new Watchdog(ackPath, timeoutMs, TIMEOUT_FRAME);
      this.warmUp();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Opens the FIFOs, sends hello and checks the welcome (SPEC.md 6.2).
   * Throws NoRunnerError when nobody listens, RemoteError when the runner
   * refuses, and other errors when the environment or the runner is broken.
   */
  static connect(o: ConnectOptions): Client {
    const { ctl, ack } = openFifos(o.ctlPath, o.ackPath);
    return new Client(ctl, ack, o.ackPath, o.timeoutMs ?? DEFAULT_TIMEOUT_MS, {
      kind: 'hello',
      version: PROTOCOL_VERSION,
      min_version: PROTOCOL_MIN_VERSION,
      integration: o.integration,
      integration_version: o.integrationVersion,
      pid: process.pid,
    });
  }

  private hello(h: Hello): Welcome {
    this.write(encodeFrame(h));
    const reply = this.pollReply();
    if (reply.kind === 'error') throw new RemoteError(reply.reason);
    if (reply.kind !== 'welcome') throw new RunnerGoneError(`runner answered hello with ${reply.kind}`);
    if (reply.version < h.min_version || reply.version > h.version) {
      throw new RemoteError(`runner chose protocol version ${reply.version}, outside ${h.min_version} to ${h.version}`);
    }
    if (reply.mode !== MODE_MEMORY) throw new RemoteError(`runner asked for unknown mode ${JSON.stringify(reply.mode)}`);
    return reply;
  }

  /**
   * Sends a frame built by encodeFrame and returns the reply, whatever its
   * kind. Throws RunnerGoneError on timeout, end of file, EPIPE or an
   * undecodable reply.
   */
  request(frame: Uint8Array): Message {
    return this.exchange(frame, true, true);
  }

  /** Sends a pre-built start frame and returns once the runner tracks. */
  start(frame: Uint8Array): void {
    // The worker takes up the deadline before start is sent, and is not
    // woken by its ack, which arrives while the runner tracks.
    this.expectAck(frame, 'start', true, false);
  }

  /**
   * Closes the window. Allocates nothing until the runner has acked. A dry
   * call returns at once: the session rehearses with it.
   */
  stop(dry = false): void {
    if (dry) return;
    // Sent inside the window: the worker is not woken until the ack.
    this.expectAck(STOP_FRAME, 'stop', false, true);
  }

  /** Reports the V8 heap around the run of the benchmark just stopped. */
  jsHeap(uri: string, heap: JsHeap): void {
    const bytes = (n: number) => BigInt(Math.max(0, Math.round(n)));
    const frame = encodeFrame({
      kind: 'js_heap',
      uri,
      gc_forced: heap.gc_forced ? 1 : 0,
      used_before: bytes(heap.used_before_bytes),
      used_after: bytes(heap.used_after_bytes),
      peak: bytes(heap.peak_bytes),
      retained_after: heap.retained_bytes === null ? 0n : bytes(heap.used_before_bytes + heap.retained_bytes),
      gc_count: heap.gc_count,
    });
    this.expectAck(frame, 'js_heap', true, true);
  }

  /** Records the instant timestamp (CLOCK_MONOTONIC ns) as name. */
  marker(name: string, timestamp: bigint = process.hrtime.bigint()): void {
    this.expectAck(encodeFrame({ kind: 'marker', name, timestamp }), 'marker', true, true);
  }

  /**
   * V8 compiles a function on its first call and again as it gets warm,
   * allocating as it does: done inside the first windows, that would add a
   * few hundred allocations to each. Round trips of markers before any
   * window run the code that start and stop run, until it is compiled.
   */
  private warmUp(): void {
    const frame = encodeFrame({ kind: 'marker', name: 'memtally.warm-up', timestamp: 0n });
    for (let i = 0; i < WARM_UP_ROUND_TRIPS; i++) {
      this.expectAck(frame, 'marker', true, false);
      this.expectAck(frame, 'marker', false, true);
    }
  }

  private exchange(frame: Uint8Array, handover: boolean, wakeOnReply: boolean): Message {
    if (this.closed || this.watchdog === null) throw new RunnerGoneError('connection to the runner is closed');
    this.watchdog.arm(handover);
    this.write(frame);
    const reply = this.readReply();
    if (this.watchdog.fired) throw new RunnerGoneError('no reply from the runner within the timeout');
    this.watchdog.settle(wakeOnReply);
    return reply;
  }

  private expectAck(frame: Uint8Array, what: string, handover: boolean, wakeOnReply: boolean): void {
    const reply = this.exchange(frame, handover, wakeOnReply);
    if (reply === ACK) return;
    if (reply.kind === 'error') throw new RemoteError(reply.reason);
    throw new RunnerGoneError(`runner answered ${what} with ${reply.kind}`);
  }

  private write(frame: Uint8Array): void {
    let off = 0;
    this.backoff.reset();
    while (off < frame.length) {
      try {
        off += writeSync(this.ctl, frame, off, frame.length - off);
        continue;
      } catch (err) {
        if (errno(err) === 'EPIPE') throw new RunnerGoneError('runner closed the ctl FIFO');
        if (errno(err) !== 'EAGAIN') throw err;
      }
      // Only a frame larger than the pipe's free space gets here; it is
      // finished, never abandoned half-written (SPEC.md 2.4).
      if (!this.backoff.pause()) throw new RunnerGoneError('runner took no request for too long');
    }
  }

  /** Reads into rx[have:n] from the blocking descriptor. */
  private fill(have: number, n: number): void {
    while (have < n) {
      const got = readSync(this.blockingAck, this.rx, have, n - have, null);
      // The runner holds ack open for writing as long as it lives.
      if (got === 0) throw new RunnerGoneError('runner closed the ack FIFO');
      have += got;
    }
  }

  /** Reads into rx[have:n] from the non-blocking descriptor, polling within the timeout. */
  private poll(have: number, n: number): void {
    while (have < n) {
      let got: number;
      try {
        got = readSync(this.ack, this.rx, have, n - have, null);
      } catch (err) {
        if (errno(err) !== 'EAGAIN') throw err;
        if (!this.backoff.pause()) throw new RunnerGoneError('no reply from the runner within the timeout');
        continue;
      }
      // The runner holds ack open for writing as long as it lives.
      if (got === 0) throw new RunnerGoneError('runner closed the ack FIFO');
      have += got;
    }
  }

  /** Reads hello's reply, before the blocking descriptor and the watchdog exist. */
  private pollReply(): Message {
    this.backoff.reset();
    this.poll(0, HEADER_SIZE);
    const length = this.replyLength();
    this.poll(HEADER_SIZE, HEADER_SIZE + length);
    return this.decodeReply(length);
  }

  private readReply(): Message {
    this.fill(0, HEADER_SIZE);
    const length = this.replyLength();
    this.fill(HEADER_SIZE, HEADER_SIZE + length);
    return this.decodeReply(length);
  }

  private replyLength(): number {
    try {
      return frameLength(this.rx);
    } catch (err) {
      throw new RunnerGoneError(`undecodable reply: ${(err as Error).message}`);
    }
  }

  private decodeReply(length: number): Message {
    if (length + HEADER_SIZE === ACK_FRAME.length && ACK_FRAME.compare(this.rx, 0, ACK_FRAME.length) === 0) {
      return ACK;
    }
    try {
      return decodePayload(this.rx.subarray(HEADER_SIZE, HEADER_SIZE + length));
    } catch (err) {
      throw new RunnerGoneError(`undecodable reply: ${(err as Error).message}`);
    }
  }

  /** Closes both FIFOs. The runner ends the session when the process exits. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watchdog?.close();
    closeSync(this.ctl);
    closeSync(this.ack);
    if (this.blockingAck >= 0) closeSync(this.blockingAck);
  }
}
