// The preload: `node --import @memtally/tinybench/register script.js` (or
// the same flag in NODE_OPTIONS) instruments tinybench's Bench class before
// the script runs, so that a published suite, which calls new Bench()
// itself, runs unchanged in memory mode. Outside the runner it does nothing.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';

import { session, underRunner } from '@memtally/core';
import { resolve } from 'import-meta-resolve';

import { instrument } from './instrument.js';
import { INTEGRATION, INTEGRATION_VERSION } from './version.js';

/** Where the script resolves tinybench from: its own file, or the working directory. */
function parentUrl(): URL {
  const script = process.argv[1];
  if (script && existsSync(script)) return pathToFileURL(resolvePath(script));
  return pathToFileURL(resolvePath('noop.js'));
}

/**
 * The Bench classes the script will get: tinybench's ES module build and,
 * for 2.9 and 3.x, its CommonJS build, which are different classes.
 */
async function benchClasses(parent: URL): Promise<Set<{ prototype: Record<string, unknown> }>> {
  const classes = new Set<{ prototype: Record<string, unknown> }>();
  try {
    classes.add((await import(resolve('tinybench', parent.href))).Bench);
  } catch {
    // Not installed where the script can see it: nothing to instrument.
  }
  try {
    const required = createRequire(parent)('tinybench');
    if (required?.Bench) classes.add(required.Bench);
  } catch {
    // ES modules only (4.x and later), or not installed.
  }
  return classes;
}

if (underRunner()) {
  const s = session(INTEGRATION, INTEGRATION_VERSION);
  if (s) {
    for (const Bench of await benchClasses(parentUrl())) instrument(Bench.prototype, s);
  }
}
