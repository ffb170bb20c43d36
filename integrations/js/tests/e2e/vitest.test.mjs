// vitest bench with the plugin, under the real runner and outside it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { assertPlaced, count, plain, record, underRunner } from './helpers.mjs';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'vitest');
const vitest = [process.execPath, join(import.meta.dirname, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'), 'bench', '--run'];
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
  it('runs every benchmark once, in its own window, hooks outside', () => {
    const run = underRunner(vitest, { cwd: fixture });
    assert.equal(run.results.benchmarks.length, Object.keys(URIS).length, JSON.stringify(run.results.benchmarks.map((b) => b.uri)));
    const r = Object.fromEntries(Object.entries(URIS).map(([k, uri]) => [k, record(run.results, uri)]));
    assertPlaced(run.events, 'body grouped/same name', r.grouped, true);
    assertPlaced(run.events, 'body grouped/nested/same name', r.nested, true);
    assertPlaced(run.events, 'body other/same name', r.other, true);
    assertPlaced(run.events, 'body async', r.async, true);
    assertPlaced(run.events, 'body second file', r.second, true);
    assertPlaced(run.events, 'setup grouped/same name', r.grouped, false);
    assertPlaced(run.events, 'teardown grouped/same name', r.grouped, false);
    for (const rec of Object.values(r)) assertPlaced(run.events, 'beforeAll file', rec, false);
    // One process for every file: the runner serves one client at a time.
    assert.equal(new Set(run.results.benchmarks.map((b) => b.pid)).size, 1);

    // The native numbers: a 1 MiB Buffer is a malloc the probes see.
    assert.ok(r.buffer.total_bytes >= 1 << 20, `buffer 1 MiB: total_bytes ${r.buffer.total_bytes}`);
    // The V8 heap, invisible to the probes, reaches results.json as js_heap.
    for (const rec of Object.values(r)) assert.ok(rec.js_heap, `${rec.uri} has no js_heap`);
    assert.ok(r.objects.js_heap.delta_bytes > 0, `100k objects: js_heap ${JSON.stringify(r.objects.js_heap)}`);
    assert.ok(r.objects.js_heap.peak_delta_bytes >= r.objects.js_heap.delta_bytes);
    assert.equal(r.objects.js_heap.gc_forced, true, 'the runner adds --expose-gc');
    // The floor of an empty benchmark, stated in the README.
    assert.ok(r.empty.alloc_count <= 4, `empty: ${r.empty.alloc_count} native allocations`);
    // The runner imports only vitest's current entry points.
    assert.doesNotMatch(run.stdout + run.stderr, /deprecated/i);
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
