// Running fixtures under the real runner, and reading what they left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const runner = process.env.MEMTALLY_RUNNER;

/**
 * The V8 flags memory mode needs for reproducible malloc traffic, as a
 * deterministic target gets them in MEMTALLY_V8_FLAGS (BENCHMARKS.md,
 * "Determinism: JavaScript"). Set here so the tests do not depend on the
 * runner's default list.
 */
export const V8_FLAGS = '--no-lazy --no-concurrent-sweeping --no-sparkplug --no-opt --single-threaded --predictable-gc-schedule --no-lazy-feedback-allocation --no-regexp-tier-up';
assert.ok(runner && existsSync(runner), 'MEMTALLY_RUNNER must name the built runner');

const made = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temporary one, removed when the test process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Runs command under `runner run` with flags, which must exit with status;
 * returns its output, the results and the test log.
 */
export function underRunner(command, { cwd, env = {}, status = 0, flags = [] } = {}) {
  const dir = tempDir('memtally-js-');
  const log = join(dir, 'log');
  const out = join(dir, 'out');
  const p = spawnSync(runner, ['run', '--out', out, ...flags, '--', ...command], {
    cwd,
    env: { ...process.env, MEMTALLY_V8_FLAGS: V8_FLAGS, MEMTALLY_TEST_LOG: log, MEMTALLY_TEST_RESULTS: join(dir, 'records.json'), ...env },
    encoding: 'utf8',
  });
  assert.equal(p.status, status, `runner exited ${p.status}\n${p.stdout}\n${p.stderr}`);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const records = existsSync(join(dir, 'records.json')) ? JSON.parse(readFileSync(join(dir, 'records.json'), 'utf8')) : null;
  return { ...p, results, events: readLog(log), records };
}

/** Runs command plainly, outside any runner. */
export function plain(command, { cwd, env = {} } = {}) {
  const dir = tempDir('memtally-js-');
  const log = join(dir, 'log');
  const clean = { ...process.env, MEMTALLY_TEST_LOG: log, ...env };
  for (const k of ['MEMTALLY_CTL_FIFO', 'MEMTALLY_ACK_FIFO', 'MEMTALLY_MODE']) delete clean[k];
  const p = spawnSync(command[0], command.slice(1), { cwd, env: clean, encoding: 'utf8' });
  assert.equal(p.status, 0, `${command.join(' ')} exited ${p.status}\n${p.stdout}\n${p.stderr}`);
  return { ...p, events: readLog(log) };
}

/** The log lines "<event words> <ns>" as {event, ns}. */
function readLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const i = line.lastIndexOf(' ');
      return { event: line.slice(0, i), ns: BigInt(line.slice(i + 1)) };
    });
}

export function count(events, event) {
  return events.filter((e) => e.event === event).length;
}

/** The benchmark record of uri, asserting there is exactly one and it is ok. */
export function record(results, uri) {
  const found = results.benchmarks.filter((b) => b.uri === uri);
  assert.equal(found.length, 1, `one record for ${uri} in ${JSON.stringify(results.benchmarks.map((b) => b.uri))}`);
  assert.equal(found[0].status, 'ok', `${uri}: ${found[0].reason}`);
  return found[0];
}

/** Asserts event happened once, inside (or outside) the window of rec. */
export function assertPlaced(events, event, rec, inside) {
  const matching = events.filter((e) => e.event === event);
  assert.equal(matching.length, 1, `${event} happened ${matching.length} times`);
  const ns = matching[0].ns;
  const within = ns >= BigInt(rec.start_ns) && ns <= BigInt(rec.stop_ns);
  assert.equal(within, inside, `${event} at ${ns} is ${within ? 'inside' : 'outside'} [${rec.start_ns}, ${rec.stop_ns}]`);
}

/**
 * Asserts the body event happened warmup + 1 times: every warm-up call
 * before the window of rec, and the last call inside it.
 */
export function assertMeasured(events, event, rec, warmup) {
  const matching = events.filter((e) => e.event === event);
  assert.equal(matching.length, warmup + 1, `${event} happened ${matching.length} times, want ${warmup} warm-up calls and the measured one`);
  const start = BigInt(rec.start_ns);
  const stop = BigInt(rec.stop_ns);
  for (const e of matching.slice(0, -1)) assert.ok(e.ns < start, `warm-up call of ${event} at ${e.ns} is not before the window [${start}, ${stop}]`);
  const last = matching.at(-1).ns;
  assert.ok(last >= start && last <= stop, `measured call of ${event} at ${last} is outside the window [${start}, ${stop}]`);
}

/** Asserts event happened at least once, and never inside the window of rec. */
export function assertOutside(events, event, rec) {
  const matching = events.filter((e) => e.event === event);
  assert.ok(matching.length > 0, `${event} never happened`);
  for (const e of matching) {
    assert.ok(e.ns < BigInt(rec.start_ns) || e.ns > BigInt(rec.stop_ns), `${event} at ${e.ns} is inside [${rec.start_ns}, ${rec.stop_ns}]`);
  }
}

/** alloc_count of every benchmark, by URI. */
export function allocCounts(results) {
  return Object.fromEntries(results.benchmarks.map((b) => [b.uri, b.alloc_count]));
}
