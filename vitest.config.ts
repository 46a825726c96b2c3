import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Against a real broker: npm run test:kafka (vitest.kafka.config.ts).
    // Long searches: npm run test:search (vitest.search.config.ts).
    exclude: ['test/integration/**', 'test/search/**', 'node_modules/**'],
    testTimeout: 120_000,
    // Two cores: the simulator is CPU-bound, more workers only contend.
    maxWorkers: 2,
  },
});
