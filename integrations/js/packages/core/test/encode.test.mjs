// What the encoder refuses (SPEC.md 4.3), beyond what the vectors pin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { encodeFrame, MAX_FRAME_SIZE, ProtocolError, readFrame } from '../dist/esm/index.js';

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
  });

  it('refuses a payload over the maximum frame size', () => {
    assert.throws(() => encodeFrame({ kind: 'start', uri: 'x'.repeat(MAX_FRAME_SIZE) }), refused('too_large'));
  });

  it('round-trips a marker with a process.hrtime.bigint() timestamp', () => {
    const m = { kind: 'marker', name: 'now', timestamp: process.hrtime.bigint() };
    assert.deepEqual(readFrame(encodeFrame(m)).message, m);
  });
});
