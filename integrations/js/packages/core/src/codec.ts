// Frames and payloads (SPEC.md sections 3 and 4), on @msgpack/msgpack.
import { Decoder, Encoder } from '@msgpack/msgpack';

import {
  FIELDS,
  isKind,
  MAX_FRAME_SIZE,
  MAX_STRING_SIZE,
  type Message,
  NON_EMPTY,
  ProtocolError,
  UINT32_MAX,
  UINT64_MAX,
} from './protocol.js';
import { type Entry, scanPayload } from './scan.js';

// useBigInt64 makes the library write a bigint as uint64, and read uint64
// and int64 as bigint, so 64-bit timestamps survive the round trip. Safe
// integers go out as numbers, in their smallest unsigned form.
const encoder = new Encoder({ useBigInt64: true });
const decoder = new Decoder({ useBigInt64: true });

const HEADER_SIZE = 4;

function refuse(message: string): ProtocolError {
  return new ProtocolError('malformed', message);
}

function canonicalInt(value: unknown, max: bigint, field: string): number | bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else throw refuse(`${field} must be an integer, not ${String(value)}`);
  if (n < 0n || n > max) throw refuse(`${field} ${n} is outside 0 to ${max}`);
  // Below 2^32 a number gets the smallest form; at or above it only uint64
  // fits, which is what the library writes for a bigint.
  return n <= BigInt(UINT32_MAX) ? Number(n) : n;
}

/**
 * Encodes m as its canonical payload (SPEC.md 4.3), refusing what a decoder
 * would reject: empty uri or name, strings that are not well-formed UTF-16
 * (and so cannot become valid UTF-8), integers out of range, and payloads
 * over MAX_FRAME_SIZE; and strings over the runner's limits (SPEC.md 6.7).
 */
export function encodePayload(m: Message): Uint8Array {
  if (!isKind(m.kind)) throw new ProtocolError('unknown_kind', `unknown kind ${JSON.stringify(m.kind)}`);
  // Built in canonical order: the library writes keys in insertion order.
  const out: Record<string, unknown> = { kind: m.kind };
  const fields = m as unknown as Record<string, unknown>;
  for (const [name, type, optional] of FIELDS[m.kind]) {
    const value = fields[name];
    const field = `${m.kind}.${name}`;
    if (value === undefined && optional) continue;
    if (type === 'str') {
      if (typeof value !== 'string') throw refuse(`${field} must be a string`);
      if (!value.isWellFormed()) throw refuse(`${field} has a lone surrogate, which is not valid UTF-8`);
      if (value === '' && NON_EMPTY.has(field)) throw refuse(`${field} must not be empty`);
      const max = MAX_STRING_SIZE.get(field);
      if (max !== undefined && Buffer.byteLength(value) > max) {
        throw new ProtocolError('too_large', `${field} of ${Buffer.byteLength(value)} bytes exceeds the limit of ${max} bytes`);
      }
      out[name] = value;
    } else {
      out[name] = canonicalInt(value, type === 'uint32' ? BigInt(UINT32_MAX) : UINT64_MAX, field);
    }
  }
  const payload = encoder.encode(out);
  if (payload.length > MAX_FRAME_SIZE) {
    throw new ProtocolError('too_large', `payload of ${payload.length} bytes exceeds ${MAX_FRAME_SIZE}`);
  }
  return payload;
}

/** Encodes m as one frame: a little-endian u32 length, then the payload. */
export function encodeFrame(m: Message): Buffer {
  const payload = encodePayload(m);
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

function decodeValue(p: Uint8Array, e: Entry): unknown {
  return decoder.decode(p.subarray(e.start, e.end));
}

/** Decodes one payload with the three stages of SPEC.md 4.4. */
export function decodePayload(p: Uint8Array): Message {
  const entries = scanPayload(p);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const kindEntry = byKey.get('kind');
  if (kindEntry === undefined) throw refuse('no "kind" key');
  if (kindEntry.family !== 'str') throw refuse(`"kind" is a ${kindEntry.family}, not a str`);
  const kind = decodeValue(p, kindEntry) as string;
  if (!isKind(kind)) throw new ProtocolError('unknown_kind', `unknown kind ${JSON.stringify(kind)}`);

  const m: Record<string, unknown> = { kind };
  for (const [name, type, optional] of FIELDS[kind]) {
    const field = `${kind}.${name}`;
    const e = byKey.get(name);
    if (e === undefined && optional) continue;
    if (e === undefined) throw refuse(`${field} is missing`);
    if (type === 'str') {
      if (e.family !== 'str') throw refuse(`${field} is a ${e.family}, not a str`);
      const value = decodeValue(p, e) as string;
      if (value === '' && NON_EMPTY.has(field)) throw refuse(`${field} is empty`);
      m[name] = value;
    } else {
      if (e.family !== 'int') throw refuse(`${field} is a ${e.family}, not an integer`);
      const raw = decodeValue(p, e) as number | bigint;
      const n = BigInt(raw);
      const max = type === 'uint32' ? BigInt(UINT32_MAX) : UINT64_MAX;
      if (n < 0n || n > max) throw refuse(`${field} ${n} is outside 0 to ${max}`);
      m[name] = type === 'uint64' ? n : Number(n);
    }
  }
  return m as unknown as Message;
}

/** The result of reading one frame from the start of a byte sequence. */
export interface ReadResult {
  message: Message;
  /** Bytes of input the frame took, header included. */
  consumed: number;
}

/** The payload length a frame header announces, checked against SPEC.md section 3. */
export function frameLength(header: Uint8Array): number {
  const length = Buffer.from(header.buffer, header.byteOffset, HEADER_SIZE).readUInt32LE(0);
  if (length > MAX_FRAME_SIZE) {
    throw new ProtocolError('too_large', `frame announces ${length} bytes, more than ${MAX_FRAME_SIZE}`);
  }
  if (length === 0) throw refuse('frame of length 0');
  return length;
}

/**
 * Reads one frame from the start of input, a stream that ends where input
 * ends. Returns null at a clean end (no byte at all).
 */
export function readFrame(input: Uint8Array): ReadResult | null {
  if (input.length === 0) return null;
  if (input.length < HEADER_SIZE) throw new ProtocolError('truncated', `stream ends inside the frame header`);
  const length = frameLength(input);
  if (input.length - HEADER_SIZE < length) {
    throw new ProtocolError('truncated', `stream ends ${length - (input.length - HEADER_SIZE)} bytes before the end of the payload`);
  }
  const message = decodePayload(input.subarray(HEADER_SIZE, HEADER_SIZE + length));
  return { message, consumed: HEADER_SIZE + length };
}

export { HEADER_SIZE };
