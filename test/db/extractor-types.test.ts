// Extractors on hard types: exact DECIMAL/BIGINT/DOUBLE/JSON/text, both MySQL paths (CSV lines from the protocol
// and row stream) agree value for value, statement timeouts, and a failure midway leaves no partial table.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConnection } from '../../src/core/index.js';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { readPostgresRows, runDriver, runMysqlCli, runPsql, waitFor } from './db-test-kit.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const EVENTS = 20_000;

let harness: DriverHarness;
let mariadb: DbServer;
let postgres: DbServer;
let mysqlConnection: ResolvedConnection;
let postgresConnection: ResolvedConnection;

async function readAll(stepId: string): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for await (const chunk of harness.dataPlane.readText(stepId)) rows.push(...chunk);
  return rows;
}

async function typesOf(stepId: string): Promise<Record<string, string>> {
  const info = await harness.dataPlane.describe(stepId);
  return Object.fromEntries(info.columns.map((c) => [c.name, c.type]));
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  mysqlConnection = createServerConnection('mysql', mariadb);
  postgresConnection = createServerConnection('postgres', postgres);
  harness = await createDriverHarness();
  await runMysqlCli(
    mariadb,
    `DROP TABLE IF EXISTS etl.types_edge;
     CREATE TABLE etl.types_edge (id INT PRIMARY KEY, f FLOAT, d DOUBLE, dec65 DECIMAL(65,30), dec38 DECIMAL(38,10),
       u BIGINT UNSIGNED, s BIGINT, ti TINYINT, tu TINYINT UNSIGNED, b1 TINYINT(1), bits BIT(10), bin VARBINARY(16),
       t TIME, y YEAR, e ENUM('a','b,c'), dt6 DATETIME(6), ts TIMESTAMP(3) NULL, j JSON, txt TEXT, ch CHAR(3));
     INSERT INTO etl.types_edge VALUES
       (1, 3.14159, 5.24620683863759e-06, '12345678901234567890123456789012345.123456789012345678901234567890',
        '1234567890123456789012345678.0123456789', 18446744073709551615, -9223372036854775808, -128, 255, 1, b'1010101010',
        X'00FF22', '12:34:56', 2024, 'b,c', '2024-02-29 23:59:59.123456', '2024-01-01 00:00:00.500',
        '{"k": "é\\\\"q\\\\n", "n": [1, 2.50]}', 'l1\\nl2\\t"q",\\\\N \\r\\n 🚀 مرحبا', 'ab'),
       (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       (3, -0.5, 1e308, '-0.000000000000000000000000000001', '0.0000000000', 0, 9007199254740993, 0, 0, 0, b'0', X'',
        '-838:59:59', 1901, 'a', '1000-01-01 00:00:00', NULL, '[]', '', '');`,
  );
  const tsv = join(harness.workDir, 'events.tsv');
  await run(process.execPath, [join(ROOT, 'bench', 'gen-events.mjs'), String(EVENTS), tsv]);
  await run(
    'bash',
    [
      '-c',
      'mariadb --no-defaults --local-infile=1 --default-character-set=utf8mb4 --socket="$SOCK" -uroot etl < "$DDL" && mariadb --no-defaults --local-infile=1 --default-character-set=utf8mb4 --socket="$SOCK" -uroot etl -e "LOAD DATA LOCAL INFILE \'$TSV\' INTO TABLE events CHARACTER SET utf8mb4"',
    ],
    {
      env: {
        ...process.env,
        MYSQL_PWD: mariadb.password,
        SOCK: mariadb.socket,
        DDL: join(ROOT, 'test/fixtures/events/events.mysql.sql'),
        TSV: tsv,
      },
    },
  );
});

afterAll(async () => {
  await harness?.dispose();
});

describe('mysql.extractor', () => {
  it('maps every type exactly', async () => {
    const out = await runDriver(harness, mysqlExtractorModule, 'edge_fast', {
      config: { table: 'types_edge' },
      connection: mysqlConnection,
    });
    expect(out.error).toBeUndefined();
    expect(out.recorded.logs.some((l) => l.message.includes('CSV lines from the protocol'))).toBe(true);
    expect(await typesOf('edge_fast')).toEqual({
      id: 'INTEGER',
      f: 'FLOAT',
      d: 'DOUBLE',
      dec65: 'VARCHAR',
      dec38: 'DECIMAL(38,10)',
      u: 'UBIGINT',
      s: 'BIGINT',
      ti: 'TINYINT',
      tu: 'UTINYINT',
      b1: 'BOOLEAN',
      bits: 'UBIGINT',
      bin: 'VARCHAR',
      t: 'VARCHAR',
      y: 'SMALLINT',
      e: 'VARCHAR',
      dt6: 'TIMESTAMP',
      ts: 'TIMESTAMP',
      j: 'JSON',
      txt: 'VARCHAR',
      ch: 'VARCHAR',
    });
    const [first, nulls, third] = await readAll('edge_fast');
    expect(first).toEqual([
      '1',
      '3.14159',
      '0.00000524620683863759',
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '1234567890123456789012345678.0123456789',
      '18446744073709551615',
      '-9223372036854775808',
      '-128',
      '255',
      'true',
      '682',
      '00FF22',
      '12:34:56',
      '2024',
      'b,c',
      '2024-02-29 23:59:59.123456',
      '2024-01-01 00:00:00.5',
      '{"k": "é\\"q\\n", "n": [1, 2.50]}',
      'l1\nl2\t"q",\\N \r\n 🚀 مرحبا',
      'ab',
    ]);
    expect(nulls).toEqual(['2', ...Array(8).fill(null), 'false', ...Array(10).fill(null)]);
    expect(third?.slice(1, 7)).toEqual([
      '-0.5',
      '1e+308',
      '-0.000000000000000000000000000001',
      '0.0000000000',
      '0',
      '9007199254740993',
    ]);
    expect(third?.slice(11)).toEqual([
      '',
      '-838:59:59',
      '1901',
      'a',
      '1000-01-01 00:00:00',
      null,
      '[]',
      '',
      '',
    ]);
  });

  it('the row-stream path (a query with ORDER BY) gives the same values as the line path', async () => {
    const slow = await runDriver(harness, mysqlExtractorModule, 'edge_slow', {
      config: { query: 'SELECT * FROM types_edge ORDER BY id' },
      connection: mysqlConnection,
    });
    expect(slow.error).toBeUndefined();
    expect(slow.recorded.logs.some((l) => l.message.includes('row stream'))).toBe(true);
    expect(await typesOf('edge_slow')).toEqual(await typesOf('edge_fast'));
    expect(await readAll('edge_slow')).toEqual(await readAll('edge_fast'));

    const fast = await runDriver(harness, mysqlExtractorModule, 'events_fast', {
      config: { table: 'events' },
      connection: mysqlConnection,
    });
    const rows = await runDriver(harness, mysqlExtractorModule, 'events_slow', {
      config: { query: 'SELECT * FROM events ORDER BY id' },
      connection: mysqlConnection,
    });
    expect(fast.result?.rowsRead).toBe(EVENTS);
    expect(rows.result?.rowsRead).toBe(EVENTS);
    expect(await typesOf('events_fast')).toMatchObject({
      amount: 'DECIMAL(12,2)',
      score: 'DOUBLE',
      big_counter: 'BIGINT',
      is_flagged: 'BOOLEAN',
      payload: 'JSON',
    });
    expect(await readAll('events_slow')).toEqual(await readAll('events_fast'));
  });

  it('columns, statement timeout, and a tinyint(1) that is not 0/1 fails loudly', async () => {
    const some = await runDriver(harness, mysqlExtractorModule, 'cols', {
      config: { table: 'movies', schema: 'movies', columns: ['id', 'budget_usd'] },
      connection: mysqlConnection,
    });
    expect(await typesOf('cols')).toEqual({ id: 'INTEGER', budget_usd: 'DECIMAL(12,2)' });
    expect(some.result?.rowsRead).toBe(16);
    const slow = await runDriver(harness, mysqlExtractorModule, 'slow', {
      config: { query: 'SELECT SLEEP(5) AS s', statement_timeout_ms: 200 },
      connection: mysqlConnection,
    });
    expect((slow.error as { code?: string }).code).toBe('timeout');
    await runMysqlCli(
      mariadb,
      'DROP TABLE IF EXISTS etl.bool_bad; CREATE TABLE etl.bool_bad (id INT, flag TINYINT(1)); INSERT INTO etl.bool_bad VALUES (1, 1), (2, 2)',
    );
    const bad = await runDriver(harness, mysqlExtractorModule, 'notbool', {
      config: { table: 'bool_bad' },
      connection: mysqlConnection,
    });
    expect(bad.error?.message).toMatch(/BOOL/i);
    await expect(harness.dataPlane.describe('notbool')).rejects.toThrow(/no output table/);
    const asNumber = await runDriver(harness, mysqlExtractorModule, 'notbool2', {
      config: { table: 'bool_bad', tinyint1_as_boolean: false },
      connection: mysqlConnection,
    });
    expect(asNumber.error).toBeUndefined();
    expect(await readAll('notbool2')).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
  });

  it('a connection killed mid-stream fails the step and leaves no partial table', async () => {
    const [out] = await Promise.all([
      runDriver(harness, mysqlExtractorModule, 'killed', {
        config: { query: 'SELECT e.*, SLEEP(0.0002) AS z FROM events e', retry_attempts: 1 },
        connection: mysqlConnection,
      }),
      waitFor(
        async () =>
          (
            await runMysqlCli(
              mariadb,
              "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(0.0002)%' AND INFO NOT LIKE '%PROCESSLIST%' LIMIT 1",
            )
          ).trim() || undefined,
        20_000,
        'the extraction',
      ).then((id) => runMysqlCli(mariadb, `KILL ${id}`)),
    ]);
    expect((out.error as { code?: string }).code).toBe('connection_error');
    await expect(harness.dataPlane.describe('killed')).rejects.toThrow(/no output table/);
  });
});

describe('postgres.extractor', () => {
  it('maps every type exactly and keeps PostgreSQL text for the rest', async () => {
    await runPsql(
      postgres,
      `DROP TABLE IF EXISTS public.pg_types_edge;
       CREATE TABLE public.pg_types_edge (id int PRIMARY KEY, n numeric, n40 numeric(40,5), n12 numeric(12,2), big bigint, r real,
         d double precision, u uuid, by bytea, tz timestamptz, iv interval, arr int[], b boolean, j jsonb, tx text, t3 timestamp(3));
       INSERT INTO public.pg_types_edge VALUES
         (1, 1.5000, 123456789012345678901234567890123.12345, 10.50, 9223372036854775807, 0.1, 5.24620683863759e-06,
          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff22', '2024-01-01 10:00:00.25+02', '1 day 02:00:00', '{1,2,3}', true,
          '{"b": 1, "a": "x"}', E'q"\\n,é', '2024-01-01 00:00:00.120'),
         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL);`,
    );
    const out = await runDriver(harness, postgresExtractorModule, 'pg_edge', {
      config: { table: 'pg_types_edge', schema: 'public' },
      connection: postgresConnection,
    });
    expect(out.error).toBeUndefined();
    expect(await typesOf('pg_edge')).toEqual({
      id: 'INTEGER',
      n: 'VARCHAR',
      n40: 'VARCHAR',
      n12: 'DECIMAL(12,2)',
      big: 'BIGINT',
      r: 'FLOAT',
      d: 'DOUBLE',
      u: 'UUID',
      by: 'VARCHAR',
      tz: 'TIMESTAMP WITH TIME ZONE',
      iv: 'VARCHAR',
      arr: 'VARCHAR',
      b: 'BOOLEAN',
      j: 'JSON',
      tx: 'VARCHAR',
      t3: 'TIMESTAMP',
    });
    const rows = await readAll('pg_edge');
    const server = await readPostgresRows(postgres, 'SELECT * FROM public.pg_types_edge ORDER BY id');
    expect(rows[0]).toEqual([
      '1',
      '1.5000',
      '123456789012345678901234567890123.12345',
      '10.50',
      '9223372036854775807',
      '0.1',
      '0.00000524620683863759',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '\\x00ff22',
      '2024-01-01 08:00:00.25+00',
      '1 day 02:00:00',
      '{1,2,3}',
      'true',
      '{"a": "x", "b": 1}',
      'q"\n,é',
      '2024-01-01 00:00:00.12',
    ]);
    // NULL stays NULL and '' stays '', as on the server.
    expect(rows[1]).toEqual(server[1]?.map((v) => v));
  });

  it('a server error after 50,000 rows of a COPY fails the step with the server message, no internal error', async () => {
    // the rows already sent arrive as CopyData before the ErrorResponse: the reader must hand the error to pg
    const out = await runDriver(harness, postgresExtractorModule, 'pg_midway', {
      config: { query: 'SELECT i, 1 / (50001 - i) AS x FROM generate_series(1, 100000) AS i' },
      connection: postgresConnection,
    });
    const error = out.error as { code?: string; message?: string };
    expect(error.code).not.toBe('internal');
    expect(error.code).toBeDefined();
    expect(error.message).toMatch(/division by zero/);
  });

  it('a query ending in a -- comment reads; names differing only in case are refused in words', async () => {
    const commented = await runDriver(harness, postgresExtractorModule, 'pg_commented', {
      config: { query: 'SELECT 1 AS a -- the one row\n-- last line is a comment' },
      connection: postgresConnection,
    });
    expect(commented.error).toBeUndefined();
    expect(commented.result?.rowsRead).toBe(1);
    const cased = await runDriver(harness, postgresExtractorModule, 'pg_cased', {
      config: { query: 'SELECT 1 AS a, 2 AS "A"' },
      connection: postgresConnection,
    });
    expect(cased.error).toMatchObject({
      code: 'sql_error',
      message: expect.stringContaining(
        "the query returns columns 'a' and 'A' (names are compared without case); give each column a distinct alias",
      ),
    });
  });

  it('a bad option in the DSN gets no network hint (a server error naming a timeout setting is no network trouble)', async () => {
    const { host, port, user, password, database } = postgres;
    const dsn = `postgresql://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}?options=-c%20statement_timeout%3Dbogus`;
    const out = await runDriver(harness, postgresExtractorModule, 'pg_bad_option', {
      config: { query: 'SELECT 1 AS a' },
      connection: createServerConnection('postgres', postgres, { dsn }),
    });
    expect(out.error).toMatchObject({
      code: 'connection_error',
      message: expect.stringContaining('[22023]'),
    });
    expect((out.error as Error).message).not.toMatch(/check the host and port/);
  });

  it('a connection without a password says so, with the auth hint (was the SASL text of the client library)', async () => {
    const out = await runDriver(harness, postgresExtractorModule, 'pg_no_password', {
      config: { query: 'SELECT 1 AS a' },
      connection: createServerConnection('postgres', postgres, { password: undefined }),
    });
    expect(out.error).toMatchObject({
      code: 'connection_error',
      message: expect.stringContaining(
        'failed: the server asks for a password, and the connection gives none (or an empty one); check the user and password of the connection',
      ),
    });
  });

  it('a statement timeout fails with code timeout', async () => {
    const started = Date.now();
    const out = await runDriver(harness, postgresExtractorModule, 'pg_slow', {
      config: { query: 'SELECT pg_sleep(5) AS s', statement_timeout_ms: 200 },
      connection: postgresConnection,
    });
    expect((out.error as { code?: string }).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
