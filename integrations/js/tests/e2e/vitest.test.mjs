// vitest bench with the plugin, under the real runner and outside it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { allocCounts, assertMeasured, assertOutside, assertPlaced, count, plain, record, underRunner } from './helpers.mjs';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'vitest');
const vitestBench = [process.execPath, join(import.meta.dirname, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'), 'bench', '--run'];
// The suite of memory.bench.ts and second.bench.ts; floor.bench.ts and
// steady.bench.ts run on their own.
const vitest = [...vitestBench, 'bench/memory', 'bench/second'];
const floor = [...vitestBench, 'bench/floor'];
const steady = [...vitestBench, 'bench/steady'];
const file = 'bench/memory.bench.ts';
const URIS = {
  grouped: `${file}::grouped::same name`,
  nested: `${file}::grouped::nested::same name`,
  other: `${file}::other::same name`,
  async: `${file}::async`,
  buffer: `${file}::buffer 1 MiB`,
  objects: `${file}::100k objects`,
  empty: `${file}::empty`,
  second: 'bench/second.bench.ts::second file',
};

describe('vitest bench under the runner', () => {
  it('runs every benchmark in its own window after its warm-up calls, hooks outside', () => {
    const run = underRunner(vitest, { cwd: fixture });
    assert.equal(run.results.benchmarks.length, Object.keys(URIS).length, JSON.stringify(run.results.benchmarks.map((b) => b.uri)));
    const r = Object.fromEntries(Object.entries(URIS).map(([k, uri]) => [k, record(run.results, uri)]));
    // memory.bench.ts sets warmupIterations: 2, which decides; second.bench.ts
    // sets nothing, and nor does the runner (no --warmup), so the JS default
    // (DEFAULT_WARMUP_CALLS, 3) does.
    assertMeasured(run.events, 'body grouped/same name', r.grouped, 2);
    assertMeasured(run.events, 'body grouped/nested/same name', r.nested, 2);
    assertMeasured(run.events, 'body other/same name', r.other, 2);
    assertMeasured(run.events, 'body async', r.async, 2);
    assertMeasured(run.events, 'body second file', r.second, 3);
    // The start of each window told the runner how many calls came before.
    for (const k of ['grouped', 'nested', 'other', 'async', 'buffer', 'objects', 'empty']) assert.equal(r[k].warmup, 2, `${k}: warmup ${r[k].warmup}`);
    assert.equal(r.second.warmup, 3);
    for (const mode of ['warmup', 'run']) {
      assertPlaced(run.events, `setup ${mode} grouped/same name`, r.grouped, false);
      assertPlaced(run.events, `teardown ${mode} grouped/same name`, r.grouped, false);
    }
    for (const rec of Object.values(r)) assertOutside(run.events, 'beforeAll file', rec);
    // One process for every file: the runner serves one client at a time.
    assert.equal(new Set(run.results.benchmarks.map((b) => b.pid)).size, 1);

    // The native numbers: a 1 MiB Buffer is a malloc the probes see.
    assert.ok(r.buffer.total_bytes >= 1 << 20, `buffer 1 MiB: total_bytes ${r.buffer.total_bytes}`);
    // The V8 heap, invisible to the probes, reaches results.json as js_heap.
    for (const rec of Object.values(r)) assert.ok(rec.js_heap, `${rec.uri} has no js_heap`);
    assert.ok(r.objects.js_heap.delta_bytes > 0, `100k objects: js_heap ${JSON.stringify(r.objects.js_heap)}`);
    assert.ok(r.objects.js_heap.peak_delta_bytes >= r.objects.js_heap.delta_bytes);
    assert.equal(r.objects.js_heap.gc_forced, true, 'the runner adds --expose-gc');
    assert.equal(r.empty.alloc_count, 0, 'empty: native allocations');
    // The runner imports only vitest's current entry points.
    assert.doesNotMatch(run.stdout + run.stderr, /deprecated/i);
  });
});

describe('vitest bench under the runner: the numbers', () => {
  it('an empty benchmark is 0 in the first window of the process as in the last', () => {
    const run = underRunner(floor, { cwd: fixture });
    const counts = run.results.benchmarks.map((b) => [b.uri, b.alloc_count, b.total_bytes]);
    assert.deepEqual(
      counts,
      [0, 1, 2, 3, 4].map((i) => [`bench/floor.bench.ts::empty ${i}`, 0, 0]).concat([['bench/floor.bench.ts::allocates on its first call', 0, 0]]),
    );
  });

  it('with --warmup 0 the window holds the cold first call', () => {
    const run = underRunner(floor, { cwd: fixture, flags: ['--warmup', '0'] });
    const first = record(run.results, 'bench/floor.bench.ts::allocates on its first call');
    assert.equal(first.warmup, 0);
    assert.ok(first.total_bytes >= 64 << 10, `cold first call: total_bytes ${first.total_bytes}`);
    // The body's own first call, nothing of the runtime's: empty is still 0.
    assert.deepEqual(
      run.results.benchmarks.filter((b) => b.uri.includes('::empty ')).map((b) => [b.alloc_count, b.warmup]),
      [0, 1, 2, 3, 4].map(() => [0, 0]),
    );
  });

  it('gives the same allocation counts when the suite runs again', () => {
    const first = allocCounts(underRunner(steady, { cwd: fixture }).results);
    const second = allocCounts(underRunner(steady, { cwd: fixture }).results);
    assert.equal(Object.keys(first).length, 4);
    assert.ok(first['bench/steady.bench.ts::steady::Buffer.alloc 64 KiB'] > 0, JSON.stringify(first));
    assert.deepEqual(second, first);
  });
});

describe('vitest bench outside the runner', () => {
  it('benchmarks as usual', () => {
    const p = plain(vitest, { cwd: fixture });
    for (const name of ['same name', 'async', 'buffer 1 MiB', '100k objects', 'empty', 'second file']) {
      assert.ok(p.stdout.includes(name), `output lacks ${name}:\n${p.stdout}`);
    }
    assert.ok(count(p.events, 'body grouped/same name') > 1, 'vitest sampled the benchmark only once');
    assert.doesNotMatch(p.stdout + p.stderr, /deprecated/i);
  });
});
