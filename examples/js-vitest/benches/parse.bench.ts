import { bench, describe } from 'vitest';

const text = JSON.stringify({ items: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}` })) });

describe('json', () => {
  bench('parse', () => {
    JSON.parse(text);
  });

  bench('stringify', () => {
    JSON.stringify({ items: [1, 2, 3] });
  });
});

describe('buffers', () => {
  bench('Buffer.alloc 1 MiB', () => {
    Buffer.alloc(1 << 20);
  });
});

bench('100k objects', () => {
  const objects: { i: number }[] = [];
  for (let i = 0; i < 100_000; i++) objects.push({ i });
  return objects;
});

bench('empty', () => {});
