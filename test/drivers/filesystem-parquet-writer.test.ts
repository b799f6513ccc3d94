// filesystem.parquet_writer: a pipeline CSV -> DuckDB -> Parquet through the real CLI, the Parquet read
// back with DuckDB itself (rows and column types), the same pipeline in a local sandbox, and the
// writer's own refusals through the driver harness.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { parquetWriterModule } from '../../src/drivers/parquet/filesystem-parquet-writer.js';
import { createProject, runOsiris } from '../support/run-osiris.js';
import type { DriverHarness } from './contract/step-context.js';
import { createDriverHarness } from './contract/step-context.js';

const PEOPLE = [
  'id,name,balance,joined,seen,active,tags',
  '1,Ada,10.50,2020-01-31,2020-01-31 10:00:00.25,true,"[""a"", ""b""]"',
  '2,"Hopper, Grace",,2019-12-01,,false,[]',
  '3,Zoë,1234567.89,2001-09-09,2001-09-09 00:00:00,,',
].join('\n');

const COLUMNS = `[{ name: id, type: BIGINT }, { name: name, type: VARCHAR }, { name: balance, type: "DECIMAL(12,2)" },
              { name: joined, type: DATE }, { name: seen, type: TIMESTAMP }, { name: active, type: BOOLEAN },
              { name: tags, type: "VARCHAR[]" }]`;

const PIPELINE = `oml_version: "0.1.0"
name: to-parquet
steps:
  - id: people
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/people.csv
      columns: ${COLUMNS}
  - id: rich
    component: duckdb.processor
    mode: transform
    needs: [people]
    config:
      query: SELECT *, balance * 2 AS doubled FROM people ORDER BY id
  - id: write
    component: filesystem.parquet_writer
    mode: write
    needs: [rich]
    config: { path: out/people.parquet, compression: zstd }
`;

/** Rows (as DuckDB's JS values, JSON-stringified for comparison) and column types of a Parquet file. */
async function readParquet(path: string): Promise<{ types: string[]; rows: string }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const source = `read_parquet('${path.replaceAll("'", "''")}')`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const types = described
      .getRowObjectsJS()
      .map((r) => `${String(r['column_name'])} ${String(r['column_type'])}`);
    const rows = await connection.runAndReadAll(`SELECT * FROM ${source}`);
    return { types, rows: JSON.stringify(rows.getRowsJson()) };
  } finally {
    connection.disconnectSync();
    instance.closeSync();
  }
}

describe('filesystem.parquet_writer', () => {
  let project: string;
  let local: { code: number | null; stderr: string };
  beforeAll(async () => {
    project = createProject({ 'data/people.csv': PEOPLE, 'pipeline.yaml': PIPELINE });
    local = await runOsiris(['run', 'pipeline.yaml'], { cwd: project });
  }, 60_000);

  it('writes the input table with its data-plane types, read back by DuckDB', async () => {
    expect(local.stderr).not.toMatch(/error/i);
    expect(local.code).toBe(0);
    const { types, rows } = await readParquet(join(project, 'out', 'people.parquet'));
    expect(types).toEqual([
      'id BIGINT',
      'name VARCHAR',
      'balance DECIMAL(12,2)',
      'joined DATE',
      'seen TIMESTAMP',
      'active BOOLEAN',
      'tags VARCHAR[]',
      // the type DuckDB gives `balance * 2` in the data plane
      'doubled DECIMAL(18,2)',
    ]);
    expect(JSON.parse(rows)).toEqual([
      ['1', 'Ada', '10.50', '2020-01-31', '2020-01-31 10:00:00.25', true, ['a', 'b'], '21.00'],
      ['2', 'Hopper, Grace', null, '2019-12-01', null, false, [], null],
      ['3', 'Zoë', '1234567.89', '2001-09-09', '2001-09-09 00:00:00', null, null, '2469135.78'],
    ]);
    // atomic replace: no temp file is left beside the target
    expect(readdirSync(join(project, 'out'))).toEqual(['people.parquet']);
  });

  it('gives the same file from a local sandbox run, brought back like a CSV output', async () => {
    const sandboxed = createProject({ 'data/people.csv': PEOPLE, 'pipeline.yaml': PIPELINE });
    const run = await runOsiris(['run', 'pipeline.yaml', '--sandbox', 'local'], {
      cwd: sandboxed,
      timeoutMs: 120_000,
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const here = join(project, 'out', 'people.parquet');
    const there = join(sandboxed, 'out', 'people.parquet');
    expect(existsSync(there)).toBe(true);
    // Row-identical first (rows and types), so a failure says which level broke.
    expect(await readParquet(there)).toEqual(await readParquet(here));
    // Byte-identical too: the same DuckDB build writes the same rows into one row group on both sides,
    // and a Parquet footer holds no time, path or host (only the writer's name and version).
    expect(readFileSync(there).equals(readFileSync(here))).toBe(true);
  }, 120_000);
});

describe('filesystem.parquet_writer driver', () => {
  let h: DriverHarness;
  beforeAll(async () => {
    h = await createDriverHarness();
    await h.dataPlane.createFromQuery('src', `SELECT 1 AS a, 'x' AS b`, {});
  });
  afterAll(async () => {
    await h.dispose();
  });

  it('defaults to snappy and reports the rows, the target and the output file', async () => {
    const { ctx, recorded } = h.createContext('w');
    const result = await parquetWriterModule
      .create()
      .run({ config: { path: 'deep/dir/t.parquet' }, connection: undefined, inputs: { src: 'src' }, ctx });
    const target = join(h.projectDir, 'deep', 'dir', 't.parquet');
    expect(result).toEqual({ rowsWritten: 1, rowsProcessed: 1, outputFiles: [target] });
    expect(recorded.events).toContainEqual({
      name: 'write.complete',
      fields: { step_id: 'w', rows_written: 1, target: 'deep/dir/t.parquet' },
    });
    expect(recorded.logs).toContainEqual({
      level: 'info',
      message: 'wrote 1 rows to deep/dir/t.parquet (Parquet, snappy)',
    });
    const { rows } = await readParquet(target);
    expect(JSON.parse(rows)).toEqual([[1, 'x']]);
  });

  it('needs exactly one input', async () => {
    const { ctx } = h.createContext('w2');
    const error = await parquetWriterModule
      .create()
      .run({ config: { path: 'a.parquet' }, connection: undefined, inputs: {}, ctx })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).message).toBe(
      'w2: filesystem.parquet_writer needs exactly one input, got 0 (set needs: [<step>])',
    );
  });
});
