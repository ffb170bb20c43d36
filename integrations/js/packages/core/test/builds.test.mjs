// Every package loads from both of its builds, and outside the runner each
// entry point leaves the harness alone.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
delete process.env.MEMTALLY_CTL_FIFO;
delete process.env.MEMTALLY_ACK_FIFO;

for (const format of ['esm', 'cjs']) {
  const load = (name) => (format === 'esm' ? import(name) : Promise.resolve(require(name)));

  describe(`builds (${format})`, () => {
    it('@memtally/core: no session outside the runner', async () => {
      const core = await load('@memtally/core');
      assert.equal(core.underRunner(), false);
      assert.equal(core.session('test', '0'), null);
    });

    it('@memtally/vitest: the plugin configures nothing outside the runner', async () => {
      const { memtally, default: plugin } = await load('@memtally/vitest');
      assert.equal(plugin, memtally);
      assert.equal(memtally().name, 'memtally');
      assert.deepEqual(memtally().config(), {});
    });

    it('@memtally/tinybench: withMemtally returns the bench untouched', async () => {
      const { withMemtally, memtallyResults } = await load('@memtally/tinybench');
      const bench = { tasks: [], add() {}, run() {} };
      const { add, run } = bench;
      assert.equal(withMemtally(bench), bench);
      assert.equal(bench.add, add);
      assert.equal(bench.run, run);
      assert.deepEqual(memtallyResults(bench), []);
    });
  });
}

describe('preload outside the runner', () => {
  it('loads and instruments nothing', async () => {
    const tinybench = await import('tinybench');
    const run = tinybench.Bench.prototype.run;
    await import('@memtally/tinybench/register');
    assert.equal(tinybench.Bench.prototype.run, run);
  });
});
