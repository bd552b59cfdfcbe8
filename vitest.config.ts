import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    // Migrates the template database every test database is copied from, once per run.
    globalSetup: ['./packages/testing/src/vitest-global-setup.ts'],
    // Integration tests start real servers and child processes; 2 cores is the budget.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
