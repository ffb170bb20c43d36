// tinybench in memory mode: withMemtally(new Bench()) runs each task once
// inside its window when the memtally runner runs the script, and changes
// nothing otherwise.
import { type BenchmarkRecord, session } from '@memtally/core';

import { type BenchLike, instrument, recordsOf } from './instrument.js';
import { INTEGRATION, INTEGRATION_VERSION } from './version.js';

export type { BenchmarkRecord, JsHeap } from '@memtally/core';

/**
 * Instruments bench for the memtally runner and returns it. Outside the
 * runner it returns bench untouched. Wrap right after construction, before
 * adding tasks.
 */
export function withMemtally<B extends BenchLike>(bench: B): B {
  const s = session(INTEGRATION, INTEGRATION_VERSION);
  if (s) instrument(bench as unknown as Record<string, unknown>, s);
  return bench;
}

/**
 * What memory mode measured for each task of bench, in run order: its URI,
 * status and the js_heap figures. Empty outside the runner.
 */
export function memtallyResults(bench: object): readonly BenchmarkRecord[] {
  return recordsOf(bench);
}
