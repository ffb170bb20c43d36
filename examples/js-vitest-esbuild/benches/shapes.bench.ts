import { bench, describe } from 'vitest';

// Type-only syntax: vite hands this file to esbuild before vitest runs it.
interface Shape {
  kind: 'circle' | 'square';
  size: number;
}

const shapes: Shape[] = Array.from({ length: 1000 }, (_, i) => ({ kind: i % 2 ? 'circle' : 'square', size: i }));

describe('shapes', () => {
  bench('area sum', () => {
    let area = 0;
    for (const s of shapes) area += s.kind === 'circle' ? Math.PI * s.size * s.size : s.size * s.size;
    return area;
  });

  bench('serialise', () => {
    JSON.stringify(shapes);
  });
});

bench('Buffer.alloc 1 MiB', () => {
  Buffer.alloc(1 << 20);
});

bench('empty', () => {});
