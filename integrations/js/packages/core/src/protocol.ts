// Protocol version 1 as protocol/SPEC.md defines it: its constants, its
// messages, and the error a codec raises.

export const PROTOCOL_VERSION = 1;
export const PROTOCOL_MIN_VERSION = 1;

/** The largest payload a frame may carry, not counting its 4-byte header. */
export const MAX_FRAME_SIZE = 65536;

export const ENV_CTL_FIFO = 'MEMTALLY_CTL_FIFO';
export const ENV_ACK_FIFO = 'MEMTALLY_ACK_FIFO';
export const ENV_MODE = 'MEMTALLY_MODE';

export const MODE_MEMORY = 'memory';

export interface Hello {
  kind: 'hello';
  version: number;
  min_version: number;
  integration: string;
  integration_version: string;
  pid: number;
}
export interface Welcome {
  kind: 'welcome';
  version: number;
  mode: string;
}
export interface Start {
  kind: 'start';
  uri: string;
  /**
   * Calls of the body run outside any window before the one this window
   * measures (0: the cold first call); omitted when the client has nothing
   * to say.
   */
  warmup?: number;
}
export interface Stop {
  kind: 'stop';
}
/** Stops counting the open benchmark's allocations until resume. */
export interface Pause {
  kind: 'pause';
}
/** Counts the open benchmark's allocations again. */
export interface Resume {
  kind: 'resume';
}
/** The V8 heap around the run of the benchmark just stopped (SPEC.md section 5). */
export interface JsHeapReport {
  kind: 'js_heap';
  uri: string;
  gc_forced: number;
  used_before: bigint;
  used_after: bigint;
  peak: bigint;
  retained_after: bigint;
  gc_count: number;
}
export interface Ack {
  kind: 'ack';
}
export interface ErrorReply {
  kind: 'error';
  reason: string;
}
export interface Marker {
  kind: 'marker';
  name: string;
  /** CLOCK_MONOTONIC nanoseconds, as process.hrtime.bigint() gives them on Linux. */
  timestamp: bigint;
}

export type Message = Hello | Welcome | Start | Stop | Pause | Resume | JsHeapReport | Ack | ErrorReply | Marker;
export type Kind = Message['kind'];

type FieldType = 'str' | 'uint32' | 'uint64';

/**
 * One field: its name, its type, and whether it may be absent. An optional
 * field is omitted from the payload when the message does not carry it.
 */
export type Field = readonly [name: string, type: FieldType, optional?: 'optional'];

/** The fields of each kind after "kind", in canonical order (SPEC.md section 5). */
export const FIELDS: { readonly [K in Kind]: ReadonlyArray<Field> } = {
  hello: [
    ['version', 'uint32'],
    ['min_version', 'uint32'],
    ['integration', 'str'],
    ['integration_version', 'str'],
    ['pid', 'uint32'],
  ],
  welcome: [
    ['version', 'uint32'],
    ['mode', 'str'],
  ],
  start: [
    ['uri', 'str'],
    ['warmup', 'uint32', 'optional'],
  ],
  stop: [],
  pause: [],
  resume: [],
  js_heap: [
    ['uri', 'str'],
    ['gc_forced', 'uint32'],
    ['used_before', 'uint64'],
    ['used_after', 'uint64'],
    ['peak', 'uint64'],
    ['retained_after', 'uint64'],
    ['gc_count', 'uint32'],
  ],
  ack: [],
  error: [['reason', 'str']],
  marker: [
    ['name', 'str'],
    ['timestamp', 'uint64'],
  ],
};

/**
 * The longest strings the runner keeps, in UTF-8 bytes (SPEC.md 6.7): an
 * encoder refuses longer ones rather than have the runner reject them.
 */
export const MAX_URI_SIZE = 4096;
export const MAX_NAME_SIZE = 256;
export const MAX_STRING_SIZE: ReadonlyMap<string, number> = new Map([
  ['start.uri', MAX_URI_SIZE],
  ['js_heap.uri', MAX_URI_SIZE],
  ['marker.name', MAX_NAME_SIZE],
  ['hello.integration', MAX_NAME_SIZE],
  ['hello.integration_version', MAX_NAME_SIZE],
]);

/** Fields that must not be empty strings. */
export const NON_EMPTY: ReadonlySet<string> = new Set(['start.uri', 'marker.name', 'js_heap.uri']);

export const UINT32_MAX = 0xffff_ffff;
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

export type ErrorCategory = 'truncated' | 'too_large' | 'malformed' | 'unknown_kind';

/** A frame or payload that breaks SPEC.md sections 3 and 4, or a message an encoder refuses. */
export class ProtocolError extends Error {
  readonly category: ErrorCategory;

  constructor(category: ErrorCategory, message: string) {
    super(`${category}: ${message}`);
    this.name = 'ProtocolError';
    this.category = category;
  }
}

export function isKind(s: string): s is Kind {
  return Object.prototype.hasOwnProperty.call(FIELDS, s);
}
