// tinybench under the real runner: the explicit wrapper on every major, and
// the preload on unchanged scripts; and the same scripts outside it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { allocCounts, assertMeasured, assertOutside, assertPlaced, count, plain, record, tempDir, underRunner } from './helpers.mjs';

const workspace = join(import.meta.dirname, '..', '..');
const fixture = join(workspace, 'tests', 'fixtures', 'tinybench');
const TASKS = ['counted', 'hooks', 'async', 'buffer 1 MiB', '100k objects', 'empty'];
const PRELOAD = '--import @memtally/tinybench/register';

/** Checks one run of the fixture's tasks; group is the Bench name in URIs, if the major has names. */
function checkRun(run, group) {
  const uri = (task) => ['tasks.mjs', ...(group ? [group] : []), task].join('::');
  assert.equal(run.results.benchmarks.length, TASKS.length);
  const recs = Object.fromEntries(TASKS.map((t) => [t, record(run.results, uri(t))]));
  // tasks.mjs sets warmupIterations: 2, which decides the warm-up calls.
  for (const body of ['counted', 'hooks', 'async']) assertMeasured(run.events, `body ${body}`, recs[body], 2);
  for (const t of TASKS) assert.equal(recs[t].warmup, 2, `${t}: warmup ${recs[t].warmup}`);
  // Around the warm-up calls and the measured one, as tinybench runs them.
  for (const hook of ['beforeAll', 'afterAll']) assert.equal(count(run.events, `${hook} hooks`), 2, hook);
  for (const hook of ['beforeEach', 'afterEach']) assert.equal(count(run.events, `${hook} hooks`), 3, hook);
  for (const hook of ['beforeAll', 'beforeEach', 'afterEach', 'afterAll']) assertOutside(run.events, `${hook} hooks`, recs.hooks);
  // The hooks' 8 MiB Buffers are not in the window's numbers.
  assert.ok(recs.hooks.total_bytes < 1 << 20, `hooks: total_bytes ${recs.hooks.total_bytes}`);
  assert.ok(recs['buffer 1 MiB'].total_bytes >= 1 << 20, `buffer 1 MiB: total_bytes ${recs['buffer 1 MiB'].total_bytes}`);
  assert.ok(recs['100k objects'].js_heap.delta_bytes > 0, `100k objects: ${JSON.stringify(recs['100k objects'].js_heap)}`);
  for (const t of TASKS) {
    for (const mode of ['warmup', 'run']) {
      assertPlaced(run.events, `setup ${mode} ${t}`, recs[t], false);
      assertPlaced(run.events, `teardown ${mode} ${t}`, recs[t], false);
    }
  }
  assert.equal(recs.empty.alloc_count, 0, 'empty: native allocations');
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
  const dir = tempDir('memtally-tinybench-');
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

describe('the numbers under the preload', () => {
  const FLOOR = [0, 1, 2, 3, 4].map((i) => `floor.mjs::floor::empty ${i}`).concat(['floor.mjs::floor::allocates on its first call']);

  it('an empty task is 0 in the first window of the process as in the last', () => {
    const run = underRunner(['node', 'floor.mjs'], { cwd: projectWith('tinybench'), env: { NODE_OPTIONS: PRELOAD } });
    assert.deepEqual(
      run.results.benchmarks.map((b) => [b.uri, b.alloc_count, b.total_bytes, b.warmup]),
      FLOOR.map((uri) => [uri, 0, 0, 3]),
    );
  });

  it('with --warmup 0 the window holds the cold first call', () => {
    const run = underRunner(['node', 'floor.mjs'], { cwd: projectWith('tinybench'), env: { NODE_OPTIONS: PRELOAD }, flags: ['--warmup', '0'] });
    const first = record(run.results, FLOOR.at(-1));
    assert.equal(first.warmup, 0);
    assert.ok(first.total_bytes >= 64 << 10, `cold first call: total_bytes ${first.total_bytes}`);
    assert.deepEqual(
      run.results.benchmarks.slice(0, 5).map((b) => [b.alloc_count, b.warmup]),
      [0, 1, 2, 3, 4].map(() => [0, 0]),
    );
  });

  it('gives the same allocation counts when the suite runs again', () => {
    const cwd = projectWith('tinybench');
    // --single-threaded works only on node's command line (README).
    const command = ['node', '--single-threaded', 'steady.mjs'];
    const first = allocCounts(underRunner(command, { cwd, env: { NODE_OPTIONS: PRELOAD } }).results);
    const second = allocCounts(underRunner(command, { cwd, env: { NODE_OPTIONS: PRELOAD } }).results);
    assert.equal(Object.keys(first).length, 4);
    assert.ok(first['steady.mjs::steady::Buffer.alloc 64 KiB'] > 0, JSON.stringify(first));
    assert.deepEqual(second, first);
  });
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
