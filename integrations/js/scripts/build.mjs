// Builds every package twice with tsc: ES modules into dist/esm and CommonJS
// into dist/cjs. The packages are "type": "module", so dist/cjs gets a
// package.json of its own that makes Node read its .js files as CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// Order matters: the plugins compile against core's declarations.
for (const pkg of ['core', 'tinybench', 'vitest']) {
  const dir = join(root, 'packages', pkg);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  for (const format of ['esm', 'cjs']) {
    execFileSync(process.execPath, [tsc, '-p', join(dir, `tsconfig.${format}.json`)], { stdio: 'inherit' });
  }
  mkdirSync(join(dir, 'dist', 'cjs'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
}
