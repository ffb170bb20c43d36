// The structural checks of SPEC.md 4.4 stage A, which generic msgpack
// libraries do not make: @msgpack/msgpack keeps the last of repeated keys,
// decodes invalid UTF-8 leniently, unwraps ext values, and throws on maps
// whose keys are not strings or numbers even inside values this protocol
// ignores. This walker only checks and measures; the values of the fields
// the protocol uses are then decoded by the library (codec.ts).
import { isUtf8 } from 'node:buffer';

import { ProtocolError } from './protocol.js';

/** What a value is, as far as SPEC.md's field rules care. */
export type Family = 'int' | 'nil' | 'bool' | 'float' | 'str' | 'bin' | 'ext' | 'array' | 'map';

export interface Entry {
  /** The key's bytes read as latin1, so equal keys compare equal byte for byte. */
  key: string;
  family: Family;
  /** The value's encoded bytes: [start, end) of the payload. */
  start: number;
  end: number;
}

const MAX_DEPTH = 32;

interface Head {
  family: Family;
  /** Bytes from the lead byte up to the data or the first element. */
  header: number;
  /** Bytes of data after the header (str, bin, ext and scalars). */
  data: number;
  /** Elements that follow a container: n for an array, 2n for a map. */
  items: number;
}

function malformed(message: string): ProtocolError {
  return new ProtocolError('malformed', message);
}

function need(p: Uint8Array, pos: number, n: number): void {
  if (pos + n > p.length) throw malformed('value runs past the end of the payload');
}

function uint(p: Uint8Array, pos: number, width: 1 | 2 | 4): number {
  need(p, pos, width);
  if (width === 1) return p[pos]!;
  if (width === 2) return (p[pos]! << 8) | p[pos + 1]!;
  return ((p[pos]! << 24) >>> 0) + ((p[pos + 1]! << 16) | (p[pos + 2]! << 8) | p[pos + 3]!);
}

function head(p: Uint8Array, pos: number): Head {
  need(p, pos, 1);
  const b = p[pos]!;
  if (b <= 0x7f || b >= 0xe0) return { family: 'int', header: 1, data: 0, items: 0 };
  if (b <= 0x8f) return { family: 'map', header: 1, data: 0, items: 2 * (b & 0x0f) };
  if (b <= 0x9f) return { family: 'array', header: 1, data: 0, items: b & 0x0f };
  if (b <= 0xbf) return { family: 'str', header: 1, data: b & 0x1f, items: 0 };
  switch (b) {
    case 0xc0:
      return { family: 'nil', header: 1, data: 0, items: 0 };
    case 0xc1:
      throw malformed('reserved byte c1');
    case 0xc2:
    case 0xc3:
      return { family: 'bool', header: 1, data: 0, items: 0 };
    case 0xc4:
      return { family: 'bin', header: 2, data: uint(p, pos + 1, 1), items: 0 };
    case 0xc5:
      return { family: 'bin', header: 3, data: uint(p, pos + 1, 2), items: 0 };
    case 0xc6:
      return { family: 'bin', header: 5, data: uint(p, pos + 1, 4), items: 0 };
    case 0xc7:
      return { family: 'ext', header: 3, data: uint(p, pos + 1, 1), items: 0 };
    case 0xc8:
      return { family: 'ext', header: 4, data: uint(p, pos + 1, 2), items: 0 };
    case 0xc9:
      return { family: 'ext', header: 6, data: uint(p, pos + 1, 4), items: 0 };
    case 0xca:
      return { family: 'float', header: 1, data: 4, items: 0 };
    case 0xcb:
      return { family: 'float', header: 1, data: 8, items: 0 };
    case 0xcc:
    case 0xd0:
      return { family: 'int', header: 1, data: 1, items: 0 };
    case 0xcd:
    case 0xd1:
      return { family: 'int', header: 1, data: 2, items: 0 };
    case 0xce:
    case 0xd2:
      return { family: 'int', header: 1, data: 4, items: 0 };
    case 0xcf:
    case 0xd3:
      return { family: 'int', header: 1, data: 8, items: 0 };
    case 0xd4:
      return { family: 'ext', header: 2, data: 1, items: 0 };
    case 0xd5:
      return { family: 'ext', header: 2, data: 2, items: 0 };
    case 0xd6:
      return { family: 'ext', header: 2, data: 4, items: 0 };
    case 0xd7:
      return { family: 'ext', header: 2, data: 8, items: 0 };
    case 0xd8:
      return { family: 'ext', header: 2, data: 16, items: 0 };
    case 0xd9:
      return { family: 'str', header: 2, data: uint(p, pos + 1, 1), items: 0 };
    case 0xda:
      return { family: 'str', header: 3, data: uint(p, pos + 1, 2), items: 0 };
    case 0xdb:
      return { family: 'str', header: 5, data: uint(p, pos + 1, 4), items: 0 };
    case 0xdc:
      return { family: 'array', header: 3, data: 0, items: uint(p, pos + 1, 2) };
    case 0xdd:
      return { family: 'array', header: 5, data: 0, items: uint(p, pos + 1, 4) };
    case 0xde:
      return { family: 'map', header: 3, data: 0, items: 2 * uint(p, pos + 1, 2) };
    default: // 0xdf
      return { family: 'map', header: 5, data: 0, items: 2 * uint(p, pos + 1, 4) };
  }
}

/**
 * Checks one value at pos and everything inside it, a container there being
 * at the given depth, and returns where the value ends. Iterative: a stack
 * of at most MAX_DEPTH counters of elements still to come.
 */
function skip(p: Uint8Array, pos: number, depth: number): { end: number; family: Family } {
  const pending: number[] = [];
  let family: Family | undefined;
  do {
    const h = head(p, pos);
    family ??= h.family;
    need(p, pos, h.header + h.data);
    if (h.family === 'str' && !isUtf8(p.subarray(pos + h.header, pos + h.header + h.data))) {
      throw malformed('str is not valid UTF-8');
    }
    pos += h.header + h.data;
    if (pending.length > 0) pending[pending.length - 1]!--;
    if (h.family === 'array' || h.family === 'map') {
      if (depth + pending.length > MAX_DEPTH) throw malformed(`containers nest deeper than ${MAX_DEPTH}`);
      // Every element takes at least one byte: refuse impossible counts
      // before walking them.
      if (h.items > p.length - pos) throw malformed('container count runs past the end of the payload');
      pending.push(h.items);
    }
    while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
  } while (pending.length > 0);
  return { end: pos, family };
}

/**
 * Checks stage A of SPEC.md 4.4 on a whole payload and returns the entries
 * of its top-level map, "kind" included.
 */
export function scanPayload(p: Uint8Array): Entry[] {
  const top = head(p, 0);
  if (top.family !== 'map') {
    // Still a structural error of its own kind first, such as c1 or a
    // count past the end; both are malformed, so either message will do.
    skip(p, 0, 1);
    throw malformed(`top-level value is a ${top.family}, not a map`);
  }
  if (top.items > p.length) throw malformed('map count runs past the end of the payload');
  let pos = top.header;
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < top.items / 2; i++) {
    const k = head(p, pos);
    const keyEnd = skip(p, pos, 2).end;
    if (k.family !== 'str') throw malformed(`top-level key is a ${k.family}, not a str`);
    const key = Buffer.from(p.buffer, p.byteOffset + pos + k.header, k.data).toString('latin1');
    if (seen.has(key)) throw malformed(`repeated key ${JSON.stringify(key)}`);
    seen.add(key);
    const value = skip(p, keyEnd, 2);
    entries.push({ key, family: value.family, start: keyEnd, end: value.end });
    pos = value.end;
  }
  if (pos !== p.length) throw malformed(`${p.length - pos} bytes after the value`);
  return entries;
}
