// A tinybench suite as published, which knows nothing of memtally; the
// preload in codspeed.toml instruments it.
import { Bench } from 'tinybench';

const bench = new Bench({ name: 'objects', time: 100 });

bench
  .add('100k objects', () => {
    const objects: { i: number }[] = [];
    for (let i = 0; i < 100_000; i++) objects.push({ i });
    return objects;
  })
  .add('JSON round trip', () => JSON.parse(JSON.stringify({ list: Array.from({ length: 1000 }, (_, i) => i) })));

await bench.run();
console.table(bench.table());
