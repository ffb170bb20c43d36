// The JavaScript examples under `runner --config`, as the main job runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { runner, tempDir } from './helpers.mjs';

const examples = join(import.meta.dirname, '..', '..', '..', '..', 'examples');

function runConfig(example, before = []) {
  const cwd = join(examples, example);
  for (const command of before) {
    const b = spawnSync(command[0], command.slice(1), { cwd, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stdout + b.stderr);
  }
  const out = tempDir('memtally-example-');
  const p = spawnSync(runner, ['--config', 'codspeed.toml', '--out', out], { cwd, encoding: 'utf8' });
  assert.equal(p.status, 0, p.stdout + p.stderr);
  // What the suites print under the runner: no tinybench rows of untimed
  // tasks, no deprecation warning of vitest's.
  assert.doesNotMatch(p.stdout + p.stderr, /N\/A|not-started|deprecated/i, p.stdout + p.stderr);
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
}

function assertBenchmarks(results, uris) {
  assert.deepEqual(results.benchmarks.map((b) => b.uri).sort(), [...uris].sort());
  for (const b of results.benchmarks) assert.equal(b.status, 'ok', `${b.uri}: ${b.reason}`);
}

describe('examples under runner --config', () => {
  it('js-tinybench: the wrapped suite and the unchanged one under the preload', () => {
    const results = runConfig('js-tinybench', [['make', '-s']]);
    assertBenchmarks(results, [
      'dist/wrapped.bench.js::buffers::Buffer.alloc 1 MiB',
      'dist/wrapped.bench.js::buffers::Buffer.concat',
      'dist/wrapped.bench.js::buffers::empty',
      'dist/plain.bench.js::objects::100k objects',
      'dist/plain.bench.js::objects::JSON round trip',
    ]);
  });

  it('js-vitest: one record per benchmark', () => {
    const results = runConfig('js-vitest');
    assertBenchmarks(results, [
      'benches/parse.bench.ts::json::parse',
      'benches/parse.bench.ts::json::stringify',
      'benches/parse.bench.ts::buffers::Buffer.alloc 1 MiB',
      'benches/parse.bench.ts::100k objects',
      'benches/parse.bench.ts::empty',
    ]);
  });

  it('js-vitest-esbuild: esbuild runs beside the worker, and every benchmark is ok', () => {
    const results = runConfig('js-vitest-esbuild');
    assertBenchmarks(results, [
      'benches/shapes.bench.ts::shapes::area sum',
      'benches/shapes.bench.ts::shapes::serialise',
      'benches/shapes.bench.ts::Buffer.alloc 1 MiB',
      'benches/shapes.bench.ts::empty',
    ]);
    const esbuild = join(examples, 'js-vitest-esbuild', 'node_modules', '@esbuild', 'linux-x64', 'bin', 'esbuild');
    for (const b of results.benchmarks) {
      assert.equal(b.unprobed, undefined, `${b.uri}: unprobed ${JSON.stringify(b.unprobed)}`);
      // esbuild ran in the tree, and is noted, not counted against the window.
      assert.deepEqual(
        b.no_allocator,
        [{ path: esbuild, reason: 'Go program without cgo: the Go runtime allocates from memory it maps itself, not with malloc' }],
        b.uri,
      );
    }
    const buffer = results.benchmarks.find((b) => b.uri.endsWith('Buffer.alloc 1 MiB'));
    assert.ok(buffer.total_bytes >= 1 << 20, `Buffer.alloc 1 MiB: total_bytes ${buffer.total_bytes}`);
  });
});
