// Opening the FIFOs as SPEC.md 2.3 prescribes, with Node's synchronous fs.
// libuv opens every file with O_CLOEXEC on Linux, as 2.6 asks.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';

/** Nobody holds the ctl FIFO for reading: no runner listens (SPEC.md 2.3). */
export class NoRunnerError extends Error {
  constructor(path: string) {
    super(`no runner listens on ${path}`);
    this.name = 'NoRunnerError';
  }
}

function openFifo(path: string, flags: number, nonBlocking = true): number {
  const fd = openSync(path, nonBlocking ? flags | constants.O_NONBLOCK : flags);
  let isFifo = false;
  try {
    isFifo = fstatSync(fd).isFIFO();
  } finally {
    // A regular file would swallow requests and never answer.
    if (!isFifo) closeSync(fd);
  }
  if (!isFifo) throw new Error(`${path} is not a FIFO`);
  return fd;
}

/**
 * Opens ctl for writing, then ack for reading, both non-blocking. Throws
 * NoRunnerError when ctl has no reader (ENXIO), and an Error naming the
 * path for anything else.
 */
export function openFifos(ctlPath: string, ackPath: string): { ctl: number; ack: number } {
  let ctl: number;
  try {
    ctl = openFifo(ctlPath, constants.O_WRONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new NoRunnerError(ctlPath);
    throw new Error(`open ctl FIFO ${ctlPath}: ${(err as Error).message}`);
  }
  try {
    return { ctl, ack: openFifo(ackPath, constants.O_RDONLY) };
  } catch (err) {
    closeSync(ctl);
    throw new Error(`open ack FIFO ${ackPath}: ${(err as Error).message}`);
  }
}

/**
 * A second, blocking reader of the ack FIFO, opened once the runner has
 * answered hello: it holds ack open for writing, so the open returns at once.
 */
export function openBlockingReader(ackPath: string): number {
  return openFifo(ackPath, constants.O_RDONLY, false);
}
