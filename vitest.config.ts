import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // Two cores: the simulator is CPU-bound, more workers only contend.
    maxWorkers: 2,
  },
});
