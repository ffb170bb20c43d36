export * from './protocol.js';
export { decodePayload, encodeFrame, encodePayload, frameLength, readFrame, type ReadResult } from './codec.js';
export { Client, type ConnectOptions, DEFAULT_TIMEOUT_MS, RemoteError, RunnerGoneError } from './client.js';
export { NoRunnerError } from './fifo.js';
export { HeapProbe, type JsHeap, usedHeap } from './heap.js';
export { type BenchmarkRecord, Session, session, underRunner } from './session.js';
export { benchmarkUri, findProjectRoot, sourcePath } from './uri.js';
export { applyMemoryModeFlags, MEMORY_MODE_V8_FLAGS, type V8Setting } from './v8flags.js';
