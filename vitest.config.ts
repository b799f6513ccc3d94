import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts ephemeral MariaDB and PostgreSQL servers once per run (test/support/db-servers.ts);
    // a missing server binary fails the run with the install command, it never skips.
    // global-tmp-setup comes first: its teardown runs last, after the servers' data dirs are gone.
    globalSetup: ['test/support/global-tmp-setup.ts', 'test/support/global-db-setup.ts'],
    // removes the temp directories test helpers made, after each test file
    setupFiles: ['test/support/remove-temp-dirs.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machine: DB servers and DuckDB compete with test workers.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
