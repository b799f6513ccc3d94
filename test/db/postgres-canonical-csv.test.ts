// The PostgreSQL extractor hands its rows to the data plane without a DuckDB pass: the server renders
// every value in the canonical form of its data-plane type. Proof, on the real server with edge values:
// the handed-over bytes equal what DuckDB writes for the same values after parsing them (a fixpoint),
// the output parses back to the same typed values, and a writer copies the bytes as they are.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import { csvWriterModule } from '../../src/drivers/csv/filesystem-csv-writer.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { runDriver, runPsql } from './db-test-kit.js';
import { readHandedOverRows, renderParsed } from './handed-over-kit.js';

let harness: DriverHarness;

let postgres: DbServer;

const FLOATS = [
  '0',
  '-0',
  '1e-7',
  '1.5e-5',
  '0.0001',
  '123456789012345680',
  '1e15',
  '1e20',
  '1e21',
  '1e300',
  '5e-324',
  'NaN',
  'Infinity',
  '-Infinity',
  '0.30000000000000004',
  '-2.5e-8',
  '1.7976931348623157e308',
  '54',
  '-1234.5',
  '9007199254740993',
];
const REALS = [
  '0.1',
  '1e-7',
  '3.4e38',
  '1e20',
  '16777216',
  '-0',
  '2.5e-5',
  'NaN',
  '999999.94',
  '1e6',
  '0.0001',
];
const TEXTS = ['a,b', 'q"uote', 'multi\nline', '', 'ünïcødé 🎉', ' lead and trail ', 'cr\rhere', 'plain'];

const literal = (text: string): string =>
  `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`;

beforeAll(async () => {
  ({ postgres } = readDbServers());
  harness = await createDriverHarness();
  const rows = FLOATS.map((f, i) => {
    const text = TEXTS[i % TEXTS.length] as string;
    return `(${i}, '${f}'::float8, ${['true', 'false', 'NULL'][i % 3]},
      ${i % 4 === 0 ? 'NULL' : `${(i * 12.5 - 40).toFixed(1)}::numeric(12,3)`},
      DATE '2024-02-29' + ${i}, TIMESTAMP '2024-01-02 03:04:05.12' + interval '${i * 1.000001} seconds',
      TIMESTAMPTZ '2024-01-02 03:04:05+02' + interval '${i} minutes', ${i % 5 === 0 ? 'NULL' : literal(text)},
      '{"b": ${i}, "a": [1, 2]}'::jsonb, '{"b":  ${i},"a":2}'::json, ${i % 6 === 0 ? 'NULL' : `'00000000-0000-4000-8000-00000000000${i % 10}'::uuid`},
      ${i % 2 === 0 ? '9223372036854775807' : `-${i}`}::bigint, TIME '23:59:59.5', interval '${i} days 02:00:00', ARRAY[${i}, NULL]::int[])`;
  });
  await runPsql(
    postgres,
    `DROP SCHEMA IF EXISTS canon CASCADE; CREATE SCHEMA canon;
     CREATE TABLE canon.real (id int, f4 float4);
     INSERT INTO canon.real VALUES ${REALS.map((r, i) => `(${i}, '${r}')`).join(', ')};
     CREATE TABLE canon.edge (id int, f8 float8, b boolean, n numeric(12,3), d date, ts timestamp(6),
       tstz timestamptz, t text, jb jsonb, js json, u uuid, big bigint, tm time, iv interval, arr int[]);
     INSERT INTO canon.edge VALUES ${rows.join(',\n')};`,
  );
});

afterAll(async () => {
  await harness?.dispose();
});

describe('PostgreSQL extraction handed over as canonical CSV (real server)', () => {
  it('hands over bytes that DuckDB, parsing them, writes back identically; values and types survive', async () => {
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_edge', {
      config: { schema: 'canon', table: 'edge' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.error).toBeUndefined();
    expect(extracted.result?.rowsRead).toBe(FLOATS.length);
    expect(readFileSync(harness.keptFiles.get('pg_edge')?.path as string, 'utf8')).toMatch(
      /^id,f8,b,n,d,ts,tstz,t,jb,js,u,big,tm,iv,arr\n/,
    );
    const handedOver = readHandedOverRows(harness, 'pg_edge');

    // A query step materializes it (one parse); DuckDB's own COPY then renders every value canonically.
    const rendered = await renderParsed(harness, 'pg_edge');
    expect(harness.keptFiles.get('pg_edge')).toBeUndefined();
    expect(rendered).toBe(handedOver);

    const info = await harness.dataPlane.describe('pg_edge_parsed');
    expect(info.columns.map((c) => c.type)).toEqual([
      'INTEGER',
      'DOUBLE',
      'BOOLEAN',
      'DECIMAL(12,3)',
      'DATE',
      'TIMESTAMP',
      'TIMESTAMP WITH TIME ZONE',
      'VARCHAR',
      'JSON',
      'JSON',
      'UUID',
      'BIGINT',
      'TIME',
      'VARCHAR',
      'VARCHAR',
    ]);
    // Exact doubles: PostgreSQL's own text of every value reads back to the same number.
    const rows: string[][] = [];
    for await (const chunk of harness.dataPlane.readText('pg_edge_parsed'))
      rows.push(...(chunk as string[][]));
    const pgText = (await runPsql(postgres, 'SELECT f8::text FROM canon.edge ORDER BY id'))
      .trim()
      .split('\n');
    // (-0 is written as 0, the canonical form)
    expect(rows.map((r) => Number(r[1]))).toEqual(pgText.map((x) => (x === '-0' ? 0 : Number(x))));
    expect(rows[1]?.[1]).toBe('0'); // -0
    expect(rows[3]?.[1]).toBe('0.000015');
    expect(rows[5]?.[1]).toBe('123456789012345680');
    expect(rows[8]?.[1]).toBe('1e+21');
  });

  it('renders 20,000 random doubles over 600 orders of magnitude as DuckDB does, ties aside', async () => {
    await runPsql(
      postgres,
      `SELECT setseed(0.42);
       CREATE TABLE canon.floats AS SELECT i, (random() - 0.5) * power(10::float8, floor(random() * 600) - 300) AS f8
       FROM generate_series(1, 20000) i;`,
    );
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_floats', {
      config: { schema: 'canon', table: 'floats' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.error).toBeUndefined();
    const handedOver = readHandedOverRows(harness, 'pg_floats');
    expect(handedOver).toMatch(/e-\d/); // values below 1e-6 keep an exponent
    const rendered = await renderParsed(harness, 'pg_floats');
    const ours = handedOver.split('\n');
    const duck = rendered.split('\n');
    expect(ours).toHaveLength(duck.length);
    // Where the shortest digits tie (a 16-digit text that reads back only by round-half-even),
    // PostgreSQL prints 17 digits and DuckDB 16: the same double either way, and rare.
    const differing = ours.filter((line, i) => line !== duck[i]);
    for (const line of differing) {
      const i = ours.indexOf(line);
      expect(Number(line.split(',')[1])).toBe(Number(duck[i]?.split(',')[1]));
    }
    expect(differing.length).toBeLessThan(ours.length / 1000);
  });

  it("a FLOAT (real) column is parsed by the data plane instead: its canonical text is DuckDB's", async () => {
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_real', {
      config: { schema: 'canon', table: 'real' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.error).toBeUndefined();
    expect(harness.keptFiles.get('pg_real')).toBeUndefined();
    const info = await harness.dataPlane.describe('pg_real');
    expect(info.columns.map((c) => c.type)).toEqual(['INTEGER', 'FLOAT']);
    expect(info.rows).toBe(REALS.length);
  });

  it('a CSV writer takes the handed-over file, header included, as its output', async () => {
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_copy', {
      config: { schema: 'canon', table: 'edge', columns: ['id', 'f8', 'b', 't'] },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.error).toBeUndefined();
    const adopted = readFileSync(harness.keptFiles.get('pg_copy')?.path as string, 'utf8');
    expect(adopted).toMatch(/^id,f8,b,t\n/);
    const written = await runDriver(harness, csvWriterModule, 'pg_copy_out', {
      config: { path: 'out/edge.csv' },
      inputs: { input: 'pg_copy' },
    });
    expect(written.error).toBeUndefined();
    expect(written.result?.rowsWritten).toBe(FLOATS.length);
    // the writer takes the handed-over file as its output (hard-linked, or copied across file systems)
    expect(readFileSync(join(harness.projectDir, 'out', 'edge.csv'), 'utf8')).toBe(adopted);
  });

  it('a table comes out in its stored order on every run, even where the planner would go parallel', async () => {
    // A database whose settings make every scan a parallel one: Gather would interleave the workers' rows.
    await runPsql(postgres, 'DROP DATABASE IF EXISTS ordered');
    await runPsql(postgres, 'CREATE DATABASE ordered');
    await runPsql(
      postgres,
      `ALTER DATABASE ordered SET parallel_setup_cost = 0; ALTER DATABASE ordered SET parallel_tuple_cost = 0;
       ALTER DATABASE ordered SET min_parallel_table_scan_size = 0;`,
    );
    const ordered = { ...postgres, database: 'ordered' };
    await runPsql(ordered, 'CREATE TABLE t AS SELECT i, md5(i::text) AS h FROM generate_series(1, 200000) i');
    const plan = await runPsql(ordered, "EXPLAIN SELECT i, h || 'x' FROM t");
    expect(plan).toMatch(/Gather/);
    for (const step of ['ordered_1', 'ordered_2']) {
      const extracted = await runDriver(harness, postgresExtractorModule, step, {
        config: { table: 't' },
        connection: createServerConnection('postgres', ordered),
      });
      expect(extracted.error).toBeUndefined();
      const ids = readHandedOverRows(harness, step)
        .trimEnd()
        .split('\n')
        .map((line) => Number(line.split(',')[0]));
      expect(ids).toEqual(Array.from({ length: 200_000 }, (_, i) => i + 1));
    }
  });

  it('a table is read under the settings that keep its order, set with the session opening ones', async () => {
    // A view reports the settings of the session that reads it.
    await runPsql(
      postgres,
      `CREATE VIEW canon.settings AS SELECT current_setting('max_parallel_workers_per_gather') AS workers,
         current_setting('synchronize_seqscans') AS syncscan, current_setting('jit') AS jit,
         current_setting('TimeZone') AS tz, current_setting('extra_float_digits') AS digits`,
    );
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_settings', {
      config: { schema: 'canon', table: 'settings' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.error).toBeUndefined();
    expect(readHandedOverRows(harness, 'pg_settings')).toBe('0,off,off,UTC,1\n');
    // a query is not a table scan of its own: only the opening settings apply
    const queried = await runDriver(harness, postgresExtractorModule, 'pg_settings_query', {
      config: { query: 'SELECT workers, tz FROM canon.settings' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(queried.error).toBeUndefined();
    expect(readHandedOverRows(harness, 'pg_settings_query')).toMatch(/^[1-9]\d*,UTC\n$/);
  });

  it('bytea reads as \\x hex even for a role whose bytea_output is escape', async () => {
    await runPsql(
      postgres,
      `DROP ROLE IF EXISTS canon_escape; CREATE ROLE canon_escape LOGIN PASSWORD 'escape-pw';
       ALTER ROLE canon_escape SET bytea_output = 'escape'`,
    );
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_bytea_escape', {
      config: { query: "SELECT '\\x00ff5c41'::bytea AS b, current_setting('bytea_output') AS style" },
      connection: createServerConnection('postgres', postgres, {
        user: 'canon_escape',
        password: 'escape-pw',
      }),
    });
    expect(extracted.error).toBeUndefined();
    expect(readHandedOverRows(harness, 'pg_bytea_escape')).toBe('\\x00ff5c41,hex\n');
  });

  it('a value DuckDB cannot hold fails the first step that parses it, naming both steps', async () => {
    await runPsql(
      postgres,
      "CREATE TABLE canon.nan (n numeric(10,2)); INSERT INTO canon.nan VALUES (1.5), ('NaN');",
    );
    const extracted = await runDriver(harness, postgresExtractorModule, 'pg_nan', {
      config: { schema: 'canon', table: 'nan' },
      connection: createServerConnection('postgres', postgres),
    });
    expect(extracted.result?.rowsRead).toBe(2);
    const failure = await harness.dataPlane
      .createFromQuery('nan_sum', 'SELECT sum(n) FROM input_df', { input_df: 'pg_nan' })
      .then(
        () => undefined,
        (error: unknown) => error as { code: string; message: string; where?: string },
      );
    expect(failure?.code).toBe('input_error');
    expect(failure?.where).toBe('nan_sum');
    expect(failure?.message).toMatch(
      /reading the output of step "pg_nan": Conversion Error: CSV Error on Line: \d+: .*Could not convert string "NaN"/,
    );
    expect(failure?.message).not.toMatch(/auto-detect|sample_size/i);
  });
});
