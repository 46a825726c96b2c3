import { defineConfig } from 'vitest/config';

// npm run test:kafka: integration tests against a real broker (npm run kafka:up).
export default defineConfig({
  test: { include: ['test/integration/**/*.test.ts'], testTimeout: 120_000, maxWorkers: 1 },
});
