import { memtally } from '@memtally/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [memtally()],
});
