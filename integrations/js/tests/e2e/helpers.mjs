// Running fixtures under the real runner, and reading what they left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const runner = process.env.MEMTALLY_RUNNER;
assert.ok(runner && existsSync(runner), 'MEMTALLY_RUNNER must name the built runner');

/**
 * Runs command under `runner run`, which must exit with status; returns its
 * output, the results and the test log.
 */
export function underRunner(command, { cwd, env = {}, status = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'memtally-js-'));
  const log = join(dir, 'log');
  const out = join(dir, 'out');
  const p = spawnSync(runner, ['run', '--out', out, '--', ...command], {
    cwd,
    env: { ...process.env, MEMTALLY_TEST_LOG: log, MEMTALLY_TEST_RESULTS: join(dir, 'records.json'), ...env },
    encoding: 'utf8',
  });
  assert.equal(p.status, status, `runner exited ${p.status}\n${p.stdout}\n${p.stderr}`);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const records = existsSync(join(dir, 'records.json')) ? JSON.parse(readFileSync(join(dir, 'records.json'), 'utf8')) : null;
  return { ...p, results, events: readLog(log), records };
}

/** Runs command plainly, outside any runner. */
export function plain(command, { cwd, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'memtally-js-'));
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
