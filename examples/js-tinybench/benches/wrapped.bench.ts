// A tinybench suite that opts in explicitly: withMemtally(new Bench()).
import { withMemtally } from '@memtally/tinybench';
import { Bench } from 'tinybench';

const bench = withMemtally(new Bench({ name: 'buffers', time: 100 }));

let input: Buffer = Buffer.alloc(0);

bench
  .add('Buffer.alloc 1 MiB', () => {
    Buffer.alloc(1 << 20);
  })
  .add(
    'Buffer.concat',
    () => {
      Buffer.concat([input, input]);
    },
    // Built outside the window: only the concatenation is measured.
    { beforeEach: () => void (input = Buffer.alloc(64 * 1024, 1)) },
  )
  .add('empty', () => {});

await bench.run();
console.table(bench.table());
