// Enforces the dependency rule of docs/architecture.md: which src/ folder may import which. Runs against the real source tree.
import { describe, expect, it } from 'vitest';
import { findBackwardImports, scanImports } from './scan-imports.js';

describe('folder dependency rule', () => {
  it('src/ has no backward import', () => {
    expect(findBackwardImports(scanImports('src'))).toEqual([]);
  });

  it('detects a backward import (core importing session)', () => {
    const violations = findBackwardImports([{ file: 'src/core/x.ts', specifier: '../session/y.js' }]);
    expect(violations).toEqual(['src/core/x.ts imports ../session/y.js (core may import: core)']);
  });

  it('detects a third-party runtime import in core and a client library outside its driver file', () => {
    const violations = findBackwardImports([
      { file: 'src/core/x.ts', specifier: 'yaml' },
      { file: 'src/runtime/x.ts', specifier: 'mysql2/promise' },
    ]);
    expect(violations).toHaveLength(2);
  });

  it('lets the CLI (and only a composition root) import the library entry src/index.ts', () => {
    const violations = findBackwardImports([
      { file: 'src/cli/run-command.ts', specifier: '../index.js' },
      { file: 'src/index.ts', specifier: './api/run-pipeline.js' },
      { file: 'src/runtime/run-manifest.ts', specifier: '../index.js' },
    ]);
    expect(violations).toEqual([
      'src/runtime/run-manifest.ts imports ../index.js (runtime may import: core, session, runtime)',
    ]);
  });

  it('keeps the CLI a client of the library: the two entries only, never a folder behind them', () => {
    const violations = findBackwardImports([
      { file: 'src/cli/select-adapter.ts', specifier: '../remote/index.js' },
      { file: 'src/cli/select-adapter.ts', specifier: '../remote/remote-adapter.js' },
      { file: 'src/cli/run-command.ts', specifier: '../api/run-pipeline.js' },
      { file: 'src/cli/program.ts', specifier: '../core/index.js' },
    ]);
    expect(violations).toEqual([
      'src/cli/select-adapter.ts imports ../remote/remote-adapter.js (the CLI reaches remote/ only through src/remote/index.js)',
      'src/cli/run-command.ts imports ../api/run-pipeline.js (cli may import: cli, index, remote)',
      'src/cli/program.ts imports ../core/index.js (cli may import: cli, index, remote)',
    ]);
  });

  it('keeps the drivers folders apart: a database folder imports only itself and drivers/sql', () => {
    const violations = findBackwardImports([
      { file: 'src/drivers/mysql/mysql-writer.ts', specifier: '../sql/run-database-write.js' },
      { file: 'src/drivers/mysql/mysql-writer.ts', specifier: './mysql-client.js' },
      { file: 'src/drivers/mysql/mysql-writer.ts', specifier: '../../core/index.js' },
      { file: 'src/drivers/index.ts', specifier: './postgres/postgres-writer.js' },
      { file: 'src/drivers/mysql/mysql-writer.ts', specifier: '../postgres/postgres-dialect.js' },
      { file: 'src/drivers/csv/filesystem-csv-writer.ts', specifier: '../duckdb/duckdb-processor.js' },
      { file: 'src/drivers/sql/probe-connection.ts', specifier: '../mysql/mysql-client.js' },
      { file: 'src/drivers/postgres/postgres-writer.ts', specifier: '../index.js' },
    ]);
    expect(violations).toEqual([
      'src/drivers/mysql/mysql-writer.ts imports src/drivers/postgres/postgres-dialect.js (drivers/mysql may import: drivers/mysql, drivers/sql, core)',
      'src/drivers/csv/filesystem-csv-writer.ts imports src/drivers/duckdb/duckdb-processor.js (drivers/csv may import: drivers/csv, drivers/sql, core)',
      'src/drivers/sql/probe-connection.ts imports src/drivers/mysql/mysql-client.js (drivers/sql may import: drivers/sql, core)',
      'src/drivers/postgres/postgres-writer.ts imports src/drivers/index.js (drivers/postgres may import: drivers/postgres, drivers/sql, core)',
    ]);
  });

  it("lets each client library in only through its database folder's one client file", () => {
    const violations = findBackwardImports([
      { file: 'src/drivers/mysql/mysql-client.ts', specifier: 'mysql2' },
      { file: 'src/drivers/mysql/mysql-writer.ts', specifier: 'mysql2' },
      { file: 'src/drivers/postgres/postgres-client.ts', specifier: 'pg-copy-streams' },
      { file: 'src/drivers/sql/run-extraction.ts', specifier: 'pg' },
    ]);
    expect(violations).toEqual([
      'src/drivers/mysql/mysql-writer.ts imports mysql2 (only src/drivers/mysql/mysql-client.ts may)',
      'src/drivers/sql/run-extraction.ts imports pg (only src/drivers/postgres/postgres-client.ts may)',
    ]);
  });
});
