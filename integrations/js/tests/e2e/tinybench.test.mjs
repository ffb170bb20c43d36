// tinybench under the real runner: the explicit wrapper on every major, and
// the preload on unchanged scripts; and the same scripts outside it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { assertPlaced, count, plain, record, underRunner } from './helpers.mjs';

const workspace = join(import.meta.dirname, '..', '..');
const fixture = join(workspace, 'tests', 'fixtures', 'tinybench');
const TASKS = ['counted', 'hooks', 'async', 'buffer 1 MiB', '100k objects', 'empty'];
const PRELOAD = '--import @memtally/tinybench/register';

/** Checks one run of the fixture's tasks; group is the Bench name in URIs, if the major has names. */
function checkRun(run, group) {
  const uri = (task) => ['tasks.mjs', ...(group ? [group] : []), task].join('::');
  assert.equal(run.results.benchmarks.length, TASKS.length);
  const recs = Object.fromEntries(TASKS.map((t) => [t, record(run.results, uri(t))]));
  for (const body of ['counted', 'hooks', 'async']) assertPlaced(run.events, `body ${body}`, recs[body], true);
  for (const hook of ['beforeAll', 'beforeEach', 'afterEach', 'afterAll']) {
    assertPlaced(run.events, `${hook} hooks`, recs.hooks, false);
  }
  // The hooks' 8 MiB Buffers are not in the window's numbers.
  assert.ok(recs.hooks.total_bytes < 1 << 20, `hooks: total_bytes ${recs.hooks.total_bytes}`);
  assert.ok(recs['buffer 1 MiB'].total_bytes >= 1 << 20, `buffer 1 MiB: total_bytes ${recs['buffer 1 MiB'].total_bytes}`);
  assert.ok(recs['100k objects'].js_heap.delta_bytes > 0, `100k objects: ${JSON.stringify(recs['100k objects'].js_heap)}`);
  for (const t of TASKS) {
    assertPlaced(run.events, `setup ${t}`, recs[t], false);
    assertPlaced(run.events, `teardown ${t}`, recs[t], false);
  }
  assertMemoryTable(run.stdout);
  return recs;
}

/**
 * The script's console.table(bench.table()) after a memory run: a row per
 * task saying what memory mode did, and none of tinybench's latency rows
 * for tasks it never timed ("N/A", "not-started", or rows of null).
 */
function assertMemoryTable(stdout) {
  assert.doesNotMatch(stdout, /N\/A|not-started|null/, stdout);
  const rows = stdout.split('\n').filter((line) => line.includes("'measured once'"));
  assert.deepEqual(
    rows.map((line) => TASKS.find((t) => line.includes(`'${t}'`))),
    TASKS,
    stdout,
  );
}

/** The integration's own records: every task ok, and the 100k objects on the V8 heap. */
function checkRecords(records, group) {
  assert.deepEqual(
    records.map((r) => [r.uri, r.status]),
    TASKS.map((t) => [['tasks.mjs', ...(group ? [group] : []), t].join('::'), 'ok']),
  );
  const objects = records.find((r) => r.uri.endsWith('::100k objects'));
  assert.equal(objects.js_heap.gc_forced, true);
  assert.ok(objects.js_heap.peak_delta_bytes > 0, JSON.stringify(objects.js_heap));
}

/** A copy of the fixture whose tinybench is the given installed package, as a project of its own. */
function projectWith(pkg) {
  const dir = mkdtempSync(join(tmpdir(), 'memtally-tinybench-'));
  cpSync(fixture, dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(realpathSync(join(workspace, 'node_modules', pkg)), join(dir, 'node_modules', 'tinybench'));
  symlinkSync(realpathSync(join(workspace, 'node_modules', '@memtally')), join(dir, 'node_modules', '@memtally'));
  return dir;
}

const MAJORS = [
  ['tinybench-2', null],
  ['tinybench-3', 'suite'],
  ['tinybench-4', 'suite'],
  ['tinybench-5', 'suite'],
  ['tinybench', 'suite'],
];

describe('withMemtally under the runner', () => {
  for (const [pkg, group] of MAJORS) {
    it(`runs each task of ${pkg} once, hooks outside (ESM)`, () => {
      const run = underRunner(['node', 'wrapped.mjs'], { cwd: fixture, env: { TINYBENCH: pkg } });
      checkRun(run, group);
      checkRecords(run.records, group);
    });
  }
  for (const [pkg, group] of MAJORS.slice(0, 2)) {
    it(`runs each task of ${pkg} once, hooks outside (CommonJS)`, () => {
      const run = underRunner(['node', 'wrapped.cjs'], { cwd: fixture, env: { TINYBENCH: pkg } });
      checkRun(run, group);
      checkRecords(run.records, group);
    });
  }
});

describe('the preload under the runner, on unchanged scripts', () => {
  for (const [pkg, group] of MAJORS) {
    it(`instruments ${pkg} (ESM)`, () => {
      const cwd = projectWith(pkg);
      const run = underRunner(['node', 'plain.mjs'], { cwd, env: { NODE_OPTIONS: PRELOAD } });
      checkRun(run, group);
    });
  }
  for (const [pkg, group] of MAJORS.slice(0, 2)) {
    it(`instruments ${pkg} (CommonJS)`, () => {
      const cwd = projectWith(pkg);
      const run = underRunner(['node', 'plain.cjs'], { cwd, env: { NODE_OPTIONS: PRELOAD } });
      checkRun(run, group);
    });
  }
});

describe('a harness that cannot speak the protocol under the runner', () => {
  it('fails with the reason when the reply watchdog thread cannot start, instead of running unmeasured', () => {
    const cwd = projectWith('tinybench');
    // Node's permission model refuses worker threads without --allow-worker.
    const permission = '--experimental-permission --allow-fs-read=* --allow-fs-write=*';
    const run = underRunner(['node', 'plain.mjs'], { cwd, env: { NODE_OPTIONS: `${permission} ${PRELOAD}` }, status: 1 });
    assert.match(
      run.stderr,
      /Error: memtally: cannot measure under the runner: the reply watchdog thread cannot be created: Access to this API has been restricted/,
    );
    assert.doesNotMatch(run.stderr, /plain harness/);
    assert.equal(count(run.events, 'body counted'), 0, 'a benchmark ran');
    assert.deepEqual(
      run.results.targets.map((t) => [t.status, t.exit_code, t.reason]),
      [['failed', 1, 'exit status 1']],
    );
    // No benchmark: the client said hello before it failed, so the runner
    // does not measure the whole command as one either.
    assert.deepEqual(
      run.results.benchmarks.map((b) => [b.uri, b.status, b.reason]),
      [],
    );
  });
});

describe('outside the runner', () => {
  for (const [pkg] of MAJORS) {
    it(`leaves ${pkg} benchmarking as usual, with the wrapper and the preload`, () => {
      for (const [script, env] of [
        ['wrapped.mjs', { TINYBENCH: pkg }],
        ['plain.mjs', { NODE_OPTIONS: PRELOAD }],
      ]) {
        const cwd = script === 'plain.mjs' ? projectWith(pkg) : fixture;
        const p = plain(['node', script], { cwd, env });
        for (const t of TASKS) assert.ok(p.stdout.includes(t), `${script} table lacks ${t}:\n${p.stdout}`);
        assert.ok(count(p.events, 'body counted') > 1, `${script}: tinybench sampled counted only once`);
      }
    });
  }
});
