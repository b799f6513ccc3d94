import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts ephemeral MariaDB and PostgreSQL servers once per run (test/support/db-servers.ts);
    // a missing server binary fails the run with the install command, it never skips.
    globalSetup: ['test/support/global-db-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machine: DB servers and DuckDB compete with test workers.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
