export * from './protocol.js';
export { decodePayload, encodeFrame, encodePayload, frameLength, readFrame, type ReadResult } from './codec.js';
export { Client, type ConnectOptions, DEFAULT_TIMEOUT_MS, RemoteError, RunnerGoneError } from './client.js';
export { NoRunnerError } from './fifo.js';
export { HeapProbe, type JsHeap, settleHeap, usedHeap } from './heap.js';
export { type BenchmarkRecord, Session, session, underRunner } from './session.js';
export { benchmarkUri, findProjectRoot, sourcePath } from './uri.js';
export {
  applyDeterminismFlags,
  type AppliedFlags,
  applyMemoryModeFlags,
  determinismFlags,
  ENV_V8_FLAGS,
  MEMORY_MODE_V8_FLAGS,
  START_UP_ONLY_V8_FLAGS,
  type V8Setting,
} from './v8flags.js';
export {
  DEFAULT_WARMUP_CALLS,
  ENV_WARMUP,
  type HarnessWarmup,
  MAX_HARNESS_WARMUP_CALLS,
  type WarmedUp,
  warmUp,
  warmupFromEnv,
  type WarmupPlan,
  warmupPlan,
  warmUpSync,
} from './warmup.js';
