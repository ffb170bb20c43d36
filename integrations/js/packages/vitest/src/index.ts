// The vitest plugin: `plugins: [memtally()]` in vitest.config. Under the
// memtally runner it makes `vitest bench` run every benchmark once inside
// its window; otherwise it changes nothing.
import { determinismFlags, underRunner } from '@memtally/core';

export type { BenchmarkRecord, JsHeap } from '@memtally/core';

/** The part of a Vite plugin this one uses; structurally a Vite Plugin. */
export interface MemtallyPlugin {
  name: string;
  config(): { test?: Record<string, unknown> };
}

export function memtally(): MemtallyPlugin {
  return {
    name: 'memtally',
    config() {
      if (!underRunner()) return {};
      // The flags of MEMTALLY_V8_FLAGS go on the worker's command line:
      // several take effect only when V8 starts (v8flags.ts in core).
      const flags = determinismFlags();
      return {
        test: {
          ...(flags.length > 0 ? { execArgv: flags } : {}),
          runner: '@memtally/vitest/runner',
          // The runner serves one process at a time (SPEC.md 2.6): every
          // file runs in one worker process, one after another.
          pool: 'forks',
          isolate: false,
          fileParallelism: false,
          maxWorkers: 1,
        },
      };
    },
  };
}

export default memtally;
