// The warm-up plan, MEMTALLY_WARMUP, and which V8 flags a running process
// can still apply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  applyDeterminismFlags,
  DEFAULT_WARMUP_CALLS,
  determinismFlags,
  MAX_HARNESS_WARMUP_CALLS,
  warmUp,
  warmupFromEnv,
  warmupPlan,
  warmUpSync,
} from '../dist/esm/index.js';
import { harnessWarmup } from '../../tinybench/dist/esm/instrument.js';

describe('MEMTALLY_WARMUP', () => {
  it('is the JS default, 3, when absent or empty: the runner passes none unless told', () => {
    assert.equal(DEFAULT_WARMUP_CALLS, 3);
    assert.equal(warmupFromEnv({}), 3);
    assert.equal(warmupFromEnv({ MEMTALLY_WARMUP: '' }), 3);
  });
  it('is the count it names, 0 included', () => {
    assert.equal(warmupFromEnv({ MEMTALLY_WARMUP: '0' }), 0);
    assert.equal(warmupFromEnv({ MEMTALLY_WARMUP: '7' }), 7);
  });
  it('refuses what is not a count, rather than measure something else', () => {
    for (const bad of ['-1', '1.5', 'one', '4294967296']) {
      assert.throws(() => warmupFromEnv({ MEMTALLY_WARMUP: bad }), /MEMTALLY_WARMUP=.*want a whole number/, bad);
    }
  });
});

describe('warmupPlan', () => {
  it('takes the runner count when the harness options are unset', () => {
    assert.deepEqual(warmupPlan(3), { calls: 3, timeMs: 0, max: 3, from: 'runner' });
  });
  it('lets the harness options decide, bounded', () => {
    assert.deepEqual(warmupPlan(1, { iterations: 2 }), { calls: 2, timeMs: 0, max: MAX_HARNESS_WARMUP_CALLS, from: 'harness' });
    assert.equal(warmupPlan(1, { iterations: 1e6 }).calls, MAX_HARNESS_WARMUP_CALLS);
    assert.deepEqual(warmupPlan(1, { enabled: false, iterations: 5 }), { calls: 0, timeMs: 0, max: 0, from: 'harness' });
  });
  it('runs at least the calls and on for the time, never past the bound', async () => {
    let n = 0;
    assert.deepEqual(await warmUp(warmupPlan(1, { iterations: 3 }), () => n++), { calls: 3 });
    assert.equal(n, 3);
    // An hour of warm-up time stops at the bound.
    assert.equal(warmUpSync(warmupPlan(1, { timeMs: 3_600_000 }), () => {}).calls, MAX_HARNESS_WARMUP_CALLS);
  });
  it('stops at a call that throws, and returns its error', async () => {
    const boom = new Error('boom');
    let n = 0;
    const got = await warmUp(warmupPlan(5), () => {
      if (++n === 2) throw boom;
    });
    assert.deepEqual(got, { calls: 1, error: boom });
  });
});

describe('tinybench warm-up options', () => {
  it('counts only what differs from the major defaults', () => {
    // 2.x: warmup is the bench's warm-up method, not an option.
    const warmup = async () => {};
    assert.deepEqual(harnessWarmup({ warmup, warmupTime: 100, warmupIterations: 5 }), {});
    assert.deepEqual(harnessWarmup({ warmup, warmupTime: 100, warmupIterations: 2 }), { iterations: 2 });
    assert.deepEqual(harnessWarmup({ opts: { warmup: true, warmupTime: 250, warmupIterations: 16 } }), {});
    assert.deepEqual(harnessWarmup({ opts: { warmup: false, warmupTime: 250, warmupIterations: 16 } }), { enabled: false });
    assert.deepEqual(harnessWarmup({ warmup: true, warmupTime: 10, warmupIterations: 16 }), { timeMs: 10 });
  });
});

describe('MEMTALLY_V8_FLAGS', () => {
  it('is a space-separated list, empty when absent', () => {
    assert.deepEqual(determinismFlags({}), []);
    assert.deepEqual(determinismFlags({ MEMTALLY_V8_FLAGS: '  ' }), []);
    assert.deepEqual(determinismFlags({ MEMTALLY_V8_FLAGS: ' --no-opt  --predictable ' }), ['--no-opt', '--predictable']);
  });
  it('applies run-time flags now, and names start-up-only ones the process lacks', () => {
    const got = applyDeterminismFlags(['--no-sparkplug', '--predictable', '--single-threaded', '--hash-seed=1', '--no-opt'], ['--predictable']);
    assert.deepEqual(got, { atStartUp: ['--predictable'], atRunTime: ['--no-sparkplug', '--no-opt'], missing: ['--single-threaded', '--hash-seed=1'] });
  });
});
