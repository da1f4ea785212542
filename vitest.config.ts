import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One embedded PostgreSQL for the run: the store suites run on it as well as on SQLite.
    globalSetup: ['./test/support/pg-global-setup.ts'],
    reporters: ['default', './test/support/plain-summary.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
})
