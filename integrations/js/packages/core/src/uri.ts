// Benchmark URIs (SPEC.md section 7): path/to/file::group::...::name[params].
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of the nearest package.json at or above dir, or dir itself when there is none. */
export function findProjectRoot(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(dir);
  }
}

/** A source file (path or file: URL) relative to root, with / separators. */
export function sourcePath(file: string, root: string): string {
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  const rel = isAbsolute(path) ? relative(root, path) : path;
  return rel.split(sep).join('/').replace(/^\.\//, '');
}

/** Joins a file, its groups (outermost first) and a name, with optional parameters. */
export function benchmarkUri(file: string, groups: readonly string[], name: string, params?: string): string {
  const uri = [file, ...groups, name].join('::');
  return params === undefined ? uri : `${uri}[${params}]`;
}
