// Incremental cursors of every supported type on the real MariaDB and PostgreSQL: each boundary is compared
// in the source's own type, so values a double or a string comparison would confuse (2^53 + 1, 30-digit
// decimals, microseconds, quotes and backslashes in text) are neither lost nor read twice; floats refused.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { readLines } from '../support/run-osiris.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';
import { createIncrementalProject, pickEvents, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'inc_types';
let mariadb: DbServer;
let postgres: DbServer;

/** One cursor type: its column type per database, the rows of the first run, the rows added before the second. */
interface TypeCase {
  name: string;
  mysql: string;
  postgres: string;
  first: string[];
  second: string[];
}

// Each value list is in the cursor's order; the second run adds a tie of the first run's last value and a
// value just after it. Comments say what a wrong comparison would do.
const CASES: TypeCase[] = [
  // as doubles 9007199254740993 equals ...992: the tie-breaker would drop the new row
  {
    name: 'big',
    mysql: 'BIGINT',
    postgres: 'BIGINT',
    first: ['1', '9007199254740992'],
    second: ['9007199254740992', '9007199254740993'],
  },
  {
    name: 'dec',
    mysql: 'DECIMAL(38,10)',
    postgres: 'NUMERIC(38,10)',
    first: ['1.5', '1234567890123456789012345678.0000000001'],
    second: ['1234567890123456789012345678.0000000001', '1234567890123456789012345678.0000000002'],
  },
  {
    name: 'day',
    mysql: 'DATE',
    postgres: 'DATE',
    first: ['2025-12-31', '2026-01-01'],
    second: ['2026-01-01', '2026-01-02'],
  },
  {
    name: 'ts',
    mysql: 'DATETIME(6)',
    postgres: 'TIMESTAMP(6)',
    first: ['2026-01-01 00:00:00', '2026-01-01 00:00:00.000001'],
    second: ['2026-01-01 00:00:00.000001', '2026-01-01 00:00:00.000002'],
  },
  {
    name: 'tstz',
    mysql: 'TIMESTAMP(6)',
    postgres: 'TIMESTAMPTZ(6)',
    first: ['2026-01-01 00:00:00+00', '2026-01-01 10:00:00.5+00'],
    second: ['2026-01-01 10:00:00.5+00', '2026-01-01 10:00:00.500001+00'],
  },
  // quotes and backslashes in the boundary literal; lower case after upper in both collations used here
  {
    name: 'txt',
    mysql: 'VARCHAR(40)',
    postgres: 'TEXT',
    first: ['alpha', "b'c\\d"],
    second: ["b'c\\d", "b'c\\e"],
  },
];

/** MariaDB has no offset in a TIMESTAMP literal: the session is UTC, so drop the `+00`. */
const mysqlValue = (c: TypeCase, v: string): string => (c.name === 'tstz' ? v.replace('+00', '') : v);
const quote = (v: string, backslashes: boolean): string =>
  `'${(backslashes ? v.replaceAll('\\', '\\\\') : v).replaceAll("'", "''")}'`;

function renderPipeline(family: 'mysql' | 'postgres'): string {
  const steps = CASES.flatMap((c) => [
    `  - id: x-${c.name}\n    component: ${family}.extractor\n    mode: read\n    config: { connection: '@${family}.src', table: t_${c.name}, ${family === 'postgres' ? 'schema: inc_types, ' : ''}incremental: { cursor: c, primary_key: id } }`,
    `  - id: w-${c.name}\n    component: filesystem.csv_writer\n    mode: write\n    needs: [x-${c.name}]\n    config: { path: out/${c.name}.csv }`,
  ]);
  return `oml_version: '0.1.0'\nname: types-${family}\nsteps:\n${steps.join('\n')}\n`;
}

async function insert(
  family: 'mysql' | 'postgres',
  c: TypeCase,
  values: string[],
  ids: readonly number[],
): Promise<void> {
  const rows = values
    .map((v, i) => `(${ids[i]}, ${family === 'mysql' ? quote(mysqlValue(c, v), true) : quote(v, false)})`)
    .join(', ');
  if (family === 'mysql') await runMysqlCli(mariadb, `INSERT INTO ${MYDB}.t_${c.name} VALUES ${rows}`);
  else await runPsql(postgres, `INSERT INTO inc_types.t_${c.name} VALUES ${rows}`);
}

/** rows_read per extractor of the project's newest session. */
function readRowsPerStep(project: string): Record<string, number> {
  const logs = join(project, 'logs');
  const newest = readdirSync(logs)
    .filter((n) => n.startsWith('run_'))
    .sort()
    .pop() as string;
  const metrics = readLines(join(logs, newest, 'metrics.jsonl')).filter((m) => m.metric === 'rows_read');
  return Object.fromEntries(metrics.map((m) => [m.step_id as string, m.value as number]));
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  const my = CASES.map((c) => `CREATE TABLE ${MYDB}.t_${c.name} (id INT PRIMARY KEY, c ${c.mysql} NOT NULL)`);
  await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB}; ${my.join('; ')}`);
  const pg = CASES.map(
    (c) => `CREATE TABLE inc_types.t_${c.name} (id INT PRIMARY KEY, c ${c.postgres} NOT NULL)`,
  );
  await runPsql(
    postgres,
    `DROP SCHEMA IF EXISTS inc_types CASCADE; CREATE SCHEMA inc_types; ${pg.join('; ')}`,
  );
});

afterAll(async () => {
  if (mariadb) await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
  if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_types CASCADE');
});

describe.each(['mysql', 'postgres'] as const)('incremental cursor types on %s', (family) => {
  it('reads each new row once, ties and near-equal values included', async () => {
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': renderPipeline(family) });
    const run = () => runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    for (const c of CASES) await insert(family, c, c.first, [1, 5]);
    const first = await run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // the tie gets a larger id than the boundary's, the larger value a smaller one: only an exact
    // comparison of the cursor reads it
    for (const c of CASES) await insert(family, c, c.second, [6, 3]);
    const second = await run();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(readRowsPerStep(project)).toEqual(Object.fromEntries(CASES.map((c) => [`x-${c.name}`, 2])));
    const third = await run();
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(readRowsPerStep(project)).toEqual(Object.fromEntries(CASES.map((c) => [`x-${c.name}`, 0])));
  });

  it('refuses a floating-point cursor with the column and its type', async () => {
    const table = family === 'mysql' ? `${MYDB}.t_float` : 'inc_types.t_float';
    const ddl = `CREATE TABLE ${table} (id INT PRIMARY KEY, c DOUBLE PRECISION NOT NULL)`;
    if (family === 'mysql') await runMysqlCli(mariadb, ddl);
    else await runPsql(postgres, ddl);
    const oml = `oml_version: '0.1.0'\nname: float-${family}\nsteps:\n  - id: x\n    component: ${family}.extractor\n    mode: read\n    config: { connection: '@${family}.src', table: t_float, ${family === 'postgres' ? 'schema: inc_types, ' : ''}incremental: { cursor: c, primary_key: id } }\n  - id: w\n    component: filesystem.csv_writer\n    mode: write\n    needs: [x]\n    config: { path: out/f.csv }\n`;
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
    const result = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    expect(result.code).toBe(1);
    const status = JSON.parse(result.stdout);
    expect(status.error.code).toBe('config_error');
    expect(status.error.message).toContain("incremental.cursor 'c' is DOUBLE");
  });
});

describe('incremental.full_scan: the planner says the read scans a large table', () => {
  it.each(['mysql', 'postgres'] as const)(
    'warns on %s without an index on the cursor, not with one',
    async (family) => {
      const table = family === 'mysql' ? `${MYDB}.t_scan` : 'inc_types.t_scan';
      const setup =
        family === 'mysql'
          ? `CREATE TABLE ${table} (id INT PRIMARY KEY, c DATETIME(6) NOT NULL, v VARCHAR(20));
           INSERT INTO ${table} SELECT seq, '2026-01-01' + INTERVAL seq SECOND, 'x' FROM ${MYDB}.seq_1_to_30000;
           ANALYZE TABLE ${table}`
          : `CREATE TABLE ${table} (id INT PRIMARY KEY, c TIMESTAMP(6) NOT NULL, v TEXT);
           INSERT INTO ${table} SELECT g, TIMESTAMP '2026-01-01' + g * INTERVAL '1 second', 'x' FROM generate_series(1, 30000) g;
           ANALYZE ${table}`;
      const sql = (text: string) =>
        family === 'mysql' ? runMysqlCli(mariadb, text) : runPsql(postgres, text);
      await sql(setup);
      const oml = `oml_version: '0.1.0'\nname: scan-${family}\nsteps:\n  - id: x\n    component: ${family}.extractor\n    mode: read\n    config: { connection: '@${family}.src', table: t_scan, ${family === 'postgres' ? 'schema: inc_types, ' : ''}incremental: { cursor: c, primary_key: id } }\n  - id: w\n    component: filesystem.csv_writer\n    mode: write\n    needs: [x]\n    config: { path: out/s.csv }\n`;
      const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
      const scans = async (): Promise<Record<string, unknown>[]> => {
        const result = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
        expect(result.code, result.stderr).toBe(0);
        return pickEvents(readNewestEvents(project), 'incremental.full_scan');
      };
      expect(await scans()).toEqual([]); // the first run reads everything: nothing to warn about
      const warned = await scans();
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({
        step_id: 'x',
        relation: family === 'mysql' ? 't_scan' : 'inc_types.t_scan',
      });
      expect(warned[0]?.rows_estimate).toBeGreaterThanOrEqual(10_000);
      await sql(`CREATE INDEX t_scan_cursor ON ${table} (c, id)`);
      expect(await scans()).toEqual([]);
    },
  );
});
