// Every vector of protocol/vectors/vectors.json, against both builds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

import { isSafeNumber, parse } from 'lossless-json';

import * as esm from '../dist/esm/index.js';

const cjs = createRequire(import.meta.url)('../dist/cjs/index.js');
const vectorsPath = new URL('../../../../../protocol/vectors/vectors.json', import.meta.url);
// Timestamps reach 2^64 - 1: numbers that a double cannot hold exactly are
// parsed as bigint.
const vectors = parse(readFileSync(vectorsPath, 'utf8'), null, (s) => (isSafeNumber(s) ? Number(s) : BigInt(s)));

// The codec returns uint64 fields (a marker's timestamp, js_heap's sizes)
// as bigint and every other integer as number.
function expected(message) {
  if (message.kind === 'marker') return { ...message, timestamp: BigInt(message.timestamp) };
  if (message.kind === 'js_heap') {
    const m = { ...message };
    for (const k of ['used_before', 'used_after', 'peak', 'retained_after']) m[k] = BigInt(m[k]);
    return m;
  }
  return message;
}

for (const [format, codec] of [['esm', esm], ['cjs', cjs]]) {
  describe(`vectors (${format})`, () => {
    it('match the protocol constants', () => {
      assert.equal(vectors.protocol_version, codec.PROTOCOL_VERSION);
      assert.equal(vectors.max_frame_size, codec.MAX_FRAME_SIZE);
      assert.ok(vectors.valid.length > 0 && vectors.invalid.length > 0);
    });

    for (const v of vectors.valid) {
      it(`valid: ${v.name}`, () => {
        const input = Buffer.from(v.frame_hex, 'hex');
        const got = codec.readFrame(input);
        assert.deepEqual(got.message, expected(v.message));
        assert.equal(got.consumed, input.length);
        if (v.canonical) {
          assert.equal(codec.encodeFrame(expected(v.message)).toString('hex'), v.frame_hex);
        }
      });
    }

    for (const v of vectors.invalid) {
      it(`invalid: ${v.name} (${v.category})`, () => {
        const input = Buffer.from(v.frame_hex, 'hex');
        assert.throws(
          () => codec.readFrame(input),
          (err) => err instanceof codec.ProtocolError && err.category === v.category,
        );
      });
    }
  });
}
