// What the encoder refuses (SPEC.md 4.3), beyond what the vectors pin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { encodeFrame, MAX_FRAME_SIZE, MAX_NAME_SIZE, MAX_URI_SIZE, ProtocolError, readFrame } from '../dist/esm/index.js';

const refused = (category) => (err) => err instanceof ProtocolError && err.category === category;

describe('encodeFrame', () => {
  it('refuses an empty uri and an empty marker name', () => {
    assert.throws(() => encodeFrame({ kind: 'start', uri: '' }), refused('malformed'));
    assert.throws(() => encodeFrame({ kind: 'marker', name: '', timestamp: 1n }), refused('malformed'));
  });

  it('refuses strings that cannot be UTF-8', () => {
    assert.throws(() => encodeFrame({ kind: 'start', uri: 'a\ud800b' }), refused('malformed'));
  });

  it('refuses integers out of range', () => {
    const hello = { kind: 'hello', version: 1, min_version: 1, integration: 'x', integration_version: '1' };
    assert.throws(() => encodeFrame({ ...hello, pid: -1 }), refused('malformed'));
    assert.throws(() => encodeFrame({ ...hello, pid: 2 ** 32 }), refused('malformed'));
    assert.throws(() => encodeFrame({ ...hello, pid: 1.5 }), refused('malformed'));
    assert.throws(() => encodeFrame({ kind: 'marker', name: 't', timestamp: 2n ** 64n }), refused('malformed'));
    assert.throws(() => encodeFrame({ kind: 'start', uri: 'u', warmup: 2 ** 32 }), refused('malformed'));
    assert.throws(() => encodeFrame({ kind: 'start', uri: 'u', warmup: -1 }), refused('malformed'));
    assert.throws(() => encodeFrame({ kind: 'start', uri: 'u', warmup: null }), refused('malformed'));
  });

  it('omits start.warmup when the message has none, and writes it after uri when it has', () => {
    assert.deepEqual(readFrame(encodeFrame({ kind: 'start', uri: 'u' })).message, { kind: 'start', uri: 'u' });
    const frame = encodeFrame({ kind: 'start', uri: 'u', warmup: 3 });
    assert.deepEqual(readFrame(frame).message, { kind: 'start', uri: 'u', warmup: 3 });
    assert.ok(frame.toString('hex').endsWith(Buffer.from('warmup').toString('hex') + '03'), frame.toString('hex'));
  });

  it('refuses a payload over the maximum frame size', () => {
    assert.throws(() => encodeFrame({ kind: 'error', reason: 'x'.repeat(MAX_FRAME_SIZE) }), refused('too_large'));
  });

  it('refuses strings over the runner limits, counted in UTF-8 bytes (SPEC.md 6.7)', () => {
    const atLimit = 'é'.repeat(MAX_URI_SIZE / 2);
    assert.doesNotThrow(() => encodeFrame({ kind: 'start', uri: atLimit }));
    assert.throws(() => encodeFrame({ kind: 'start', uri: atLimit + 'x' }), (err) =>
      refused('too_large')(err) && err.message.endsWith('start.uri of 4097 bytes exceeds the limit of 4096 bytes'));
    assert.throws(() => encodeFrame({ kind: 'js_heap', uri: atLimit + 'x', gc_forced: 0, used_before: 0, used_after: 0, peak: 0, retained_after: 0, gc_count: 0 }), refused('too_large'));
    assert.doesNotThrow(() => encodeFrame({ kind: 'marker', name: 'm'.repeat(MAX_NAME_SIZE), timestamp: 1n }));
    assert.throws(() => encodeFrame({ kind: 'marker', name: 'm'.repeat(MAX_NAME_SIZE + 1), timestamp: 1n }), refused('too_large'));
    const hello = { kind: 'hello', version: 1, min_version: 1, integration: 'x', integration_version: '1', pid: 1 };
    assert.throws(() => encodeFrame({ ...hello, integration: 'i'.repeat(MAX_NAME_SIZE + 1) }), refused('too_large'));
    assert.throws(() => encodeFrame({ ...hello, integration_version: 'v'.repeat(MAX_NAME_SIZE + 1) }), refused('too_large'));
  });

  it('round-trips a marker with a process.hrtime.bigint() timestamp', () => {
    const m = { kind: 'marker', name: 'now', timestamp: process.hrtime.bigint() };
    assert.deepEqual(readFrame(encodeFrame(m)).message, m);
  });
});
