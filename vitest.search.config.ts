import { defineConfig } from 'vitest/config';

// npm run test:search: every zoo variant over 20 search seeds (minutes; CI runs it after npm test).
export default defineConfig({
  test: { include: ['test/search/**/*.test.ts'], testTimeout: 1_800_000, maxWorkers: 2 },
});
