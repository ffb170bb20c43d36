// The client against a fake runner in this process: quiet without a runner,
// and "runner gone" on a missing reply (the watchdog's timeout) or on end
// of file, after which the body still runs once, unmeasured; and a failure
// of the harness when it cannot speak the protocol as designed.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, read, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

import { encodeFrame, readFrame } from '../dist/esm/index.js';

const readAsync = promisify(read);
const core = new URL('../dist/esm/index.js', import.meta.url).href;

// The child measures one empty benchmark and prints what it saw.
const CHILD = `
import { session } from '${core}';
const s = session('client-test', '0');
let ran = 0;
const record = s ? s.measure('test.js::bench', () => { ran++; }) : null;
console.log(JSON.stringify({ connected: s ? s.connected : null, status: record && record.status, ran }));
`;

const made = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function fifos() {
  const dir = mkdtempSync(join(tmpdir(), 'memtally-client-'));
  made.push(dir);
  const ctl = join(dir, 'ctl');
  const ack = join(dir, 'ack');
  execFileSync('mkfifo', ['-m', '0600', ctl, ack]);
  return { ctl, ack };
}

function child(env, nodeArgs = []) {
  const p = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', CHILD], {
    env: { ...process.env, MEMTALLY_CTL_FIFO: '', MEMTALLY_ACK_FIFO: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const started = Date.now();
  const done = new Promise((resolve) => p.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
  return done;
}

/** Reads one request frame from fd (the runner's side of ctl). */
async function request(fd) {
  const header = Buffer.alloc(4);
  for (let have = 0; have < 4; ) have += (await readAsync(fd, header, have, 4 - have, null)).bytesRead;
  const frame = Buffer.concat([header, Buffer.alloc(header.readUInt32LE(0))]);
  for (let have = 4; have < frame.length; ) have += (await readAsync(fd, frame, have, frame.length - have, null)).bytesRead;
  return readFrame(frame).message;
}

/** Opens both FIFOs as the runner does, read-write, before the client starts. */
function fakeRunner(paths) {
  return { ctl: openSync(paths.ctl, 'r+'), ack: openSync(paths.ack, 'r+') };
}

/** Answers hello and the warm-up markers, and returns at the start request. */
async function handshake({ ctl, ack }) {
  const hello = await request(ctl);
  assert.equal(hello.kind, 'hello');
  assert.equal(hello.integration, 'client-test');
  writeSync(ack, encodeFrame({ kind: 'welcome', version: 1, mode: 'memory' }));
  // The client warms up with markers before its first window.
  let m = await request(ctl);
  while (m.kind === 'marker') {
    writeSync(ack, encodeFrame({ kind: 'ack' }));
    m = await request(ctl);
  }
  assert.deepEqual(m, { kind: 'start', uri: 'test.js::bench' });
}

describe('client', () => {
  it('is a quiet no-op when the environment names no runner', async () => {
    const r = await child({});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { connected: null, status: null, ran: 0 });
    assert.equal(r.stderr, '');
  });

  it('is quiet when nobody listens on the FIFOs (ENXIO)', async () => {
    const paths = fifos();
    const r = await child({ MEMTALLY_CTL_FIFO: paths.ctl, MEMTALLY_ACK_FIFO: paths.ack });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { connected: null, status: null, ran: 0 });
    assert.equal(r.stderr, '');
  });

  it('fails, naming the path, when the FIFOs do not exist, rather than run unmeasured', async () => {
    const r = await child({ MEMTALLY_CTL_FIFO: '/nonexistent/ctl', MEMTALLY_ACK_FIFO: '/nonexistent/ack' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Error: memtally: cannot measure under the runner: open ctl FIFO \/nonexistent\/ctl: ENOENT/);
  });

  it('fails when the reply watchdog thread cannot start, rather than run unmeasured', async () => {
    const paths = fifos();
    const fds = fakeRunner(paths);
    // Node's permission model refuses worker threads without --allow-worker.
    const flags = ['--experimental-permission', '--allow-fs-read=*', '--allow-fs-write=*'];
    const result = child({ MEMTALLY_CTL_FIFO: paths.ctl, MEMTALLY_ACK_FIFO: paths.ack }, flags);
    const hello = await request(fds.ctl);
    assert.equal(hello.kind, 'hello');
    writeSync(fds.ack, encodeFrame({ kind: 'welcome', version: 1, mode: 'memory' }));
    const r = await result;
    closeSync(fds.ctl);
    closeSync(fds.ack);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /Error: memtally: cannot measure under the runner: the reply watchdog thread cannot be created: Access to this API has been restricted/,
    );
    assert.doesNotMatch(r.stderr, /plain harness/);
  });

  it('gives up on a watchdog thread that does not start in time', async () => {
    const { Watchdog, WatchdogError } = await import('../dist/esm/watchdog.js');
    assert.throws(
      () => new Watchdog('/nonexistent/ack', 5000, new Uint8Array(0), 0),
      (err) => err instanceof WatchdogError && err.message === 'the reply watchdog thread did not start within 0 ms',
    );
  });

  it('sends start only once the watchdog thread sleeps in its wait, where it allocates nothing', async () => {
    const { Watchdog, asleepOnCondition } = await import('../dist/esm/watchdog.js');
    const w = new Watchdog('/nonexistent/ack', 60_000, new Uint8Array(0));
    try {
      assert.ok(w.threadId > 0, 'the worker found its thread id in /proc/thread-self');
      const path = `/proc/self/task/${w.threadId}/syscall`;
      for (let i = 0; i < 200; i++) {
        w.arm(true);
        // What the kernel says right when start would be written.
        const line = readFileSync(path, 'latin1');
        assert.ok(asleepOnCondition(line), `handover ${i}: the watchdog thread is at "${line.trim()}"`);
        w.settle(true);
      }
    } finally {
      w.close();
    }
  });

  it('gives up on a reply after the 5 s timeout, and still runs the body once', async () => {
    const paths = fifos();
    const fds = fakeRunner(paths);
    const result = child({ MEMTALLY_CTL_FIFO: paths.ctl, MEMTALLY_ACK_FIFO: paths.ack });
    await handshake(fds);
    const r = await result;
    closeSync(fds.ctl);
    closeSync(fds.ack);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { connected: false, status: 'unmeasured', ran: 1 });
    assert.match(r.stderr, /no reply from the runner within the timeout/);
    assert.ok(r.ms >= 5000 && r.ms < 15000, `took ${r.ms} ms`);
  });

  it('sees end of file on ack as the runner gone, at once', async () => {
    const paths = fifos();
    const fds = fakeRunner(paths);
    const result = child({ MEMTALLY_CTL_FIFO: paths.ctl, MEMTALLY_ACK_FIFO: paths.ack });
    await handshake(fds);
    const started = Date.now();
    closeSync(fds.ack);
    const r = await result;
    closeSync(fds.ctl);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { connected: false, status: 'unmeasured', ran: 1 });
    assert.match(r.stderr, /runner closed the ack FIFO/);
    assert.ok(Date.now() - started < 4000, 'waited for the timeout instead');
  });
});
