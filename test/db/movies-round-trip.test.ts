// Driver contract on the movies data: MariaDB → PostgreSQL → MariaDB and PostgreSQL → CSV with zero
// changed values. The only normalisation is PostgreSQL's boolean form (t/f) in the CSV comparison.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConnection } from '../../src/core/index.js';
import { csvWriterModule } from '../../src/drivers/csv/filesystem-csv-writer.js';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import { mysqlWriterModule } from '../../src/drivers/mysql/mysql-writer.js';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import { diffCanonicalCsv } from '../drivers/contract/canonical-csv.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import {
  MOVIES_TABLES,
  readMysqlTable,
  readPostgresRows,
  runDriver,
  runMysqlCli,
  runPsql,
} from './db-test-kit.js';

const ROW_COUNTS: Record<string, number> = {
  directors: 10,
  actors: 20,
  movies: 16,
  movie_actors: 24,
  reviews: 14,
};

let harness: DriverHarness;
let mariadb: DbServer;
let postgres: DbServer;
let mysqlConnection: ResolvedConnection;
let postgresConnection: ResolvedConnection;

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  mysqlConnection = createServerConnection('mysql', mariadb);
  postgresConnection = createServerConnection('postgres', postgres);
  harness = await createDriverHarness();
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS rt_from_mysql CASCADE; CREATE SCHEMA rt_from_mysql');
  const likes = MOVIES_TABLES.map(
    ({ table }) => `CREATE TABLE rt_back.\`${table}\` LIKE movies.\`${table}\`;`,
  ).join(' ');
  await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS rt_back; CREATE DATABASE rt_back; ${likes}`);
});

afterAll(async () => {
  await harness?.dispose();
});

describe('MariaDB → PostgreSQL → MariaDB on the movies tables', () => {
  it.each(MOVIES_TABLES)('$table survives both hops with zero changed values', async ({ table, key }) => {
    const order = key.join(', ');
    const fromMysql = await runDriver(harness, mysqlExtractorModule, `my_${table}`, {
      config: { schema: 'movies', table },
      connection: mysqlConnection,
    });
    expect(fromMysql.error).toBeUndefined();
    expect(fromMysql.result?.rowsRead).toBe(ROW_COUNTS[table]);

    const toPostgres = await runDriver(harness, postgresWriterModule, `pg_${table}`, {
      config: { schema: 'rt_from_mysql', table, create_if_missing: true, primary_key: key },
      connection: postgresConnection,
      inputs: { input: `my_${table}` },
    });
    expect(toPostgres.error).toBeUndefined();
    expect(toPostgres.result?.rowsWritten).toBe(ROW_COUNTS[table]);
    // Same text as the reference copy loaded from postgres.sql: types and values survived MariaDB → DuckDB → PostgreSQL.
    const reference = await readPostgresRows(postgres, `SELECT * FROM movies.${table} ORDER BY ${order}`);
    expect(
      await readPostgresRows(postgres, `SELECT * FROM rt_from_mysql.${table} ORDER BY ${order}`),
    ).toEqual(reference);

    const fromPostgres = await runDriver(harness, postgresExtractorModule, `pgx_${table}`, {
      config: { query: `SELECT * FROM rt_from_mysql.${table} ORDER BY ${order}` },
      connection: postgresConnection,
    });
    expect(fromPostgres.error).toBeUndefined();
    expect(fromPostgres.result?.rowsRead).toBe(ROW_COUNTS[table]);

    const back = await runDriver(harness, mysqlWriterModule, `myw_${table}`, {
      config: { schema: 'rt_back', table, write_mode: 'append' },
      connection: mysqlConnection,
      inputs: { input: `pgx_${table}` },
    });
    expect(back.error).toBeUndefined();
    expect(back.result?.rowsWritten).toBe(ROW_COUNTS[table]);
    const original = await readMysqlTable(mariadb, 'movies', table, order);
    expect(original).toHaveLength(ROW_COUNTS[table] as number);
    expect(await readMysqlTable(mariadb, 'rt_back', table, order)).toEqual(original);
  });
});

describe('PostgreSQL → CSV on the movies tables', () => {
  it.each(MOVIES_TABLES)(
    '$table equals psql COPY CSV after the boolean form only',
    async ({ table, key }) => {
      const order = key.join(', ');
      const extracted = await runDriver(harness, postgresExtractorModule, `csvsrc_${table}`, {
        config: { query: `SELECT * FROM movies.${table} ORDER BY ${order}` },
        connection: postgresConnection,
      });
      expect(extracted.error).toBeUndefined();
      const path = join(harness.projectDir, `${table}.csv`);
      const written = await runDriver(harness, csvWriterModule, `csv_${table}`, {
        config: { path },
        inputs: { input: `csvsrc_${table}` },
      });
      expect(written.error).toBeUndefined();

      const booleans = (
        await runPsql(
          postgres,
          `SELECT column_name FROM information_schema.columns WHERE table_schema='movies' AND table_name='${table}' AND data_type='boolean'`,
        )
      )
        .split('\n')
        .filter((n) => n !== '');
      const expected = await runPsql(
        postgres,
        `COPY (SELECT * FROM movies.${table} ORDER BY ${order}) TO STDOUT (FORMAT csv, HEADER)`,
      );
      const header = expected.slice(0, expected.indexOf('\n')).split(',');
      const boolIndexes = new Set(booleans.map((b) => header.indexOf(b)));
      const actual = readFileSync(path, 'utf8');
      // PostgreSQL writes t/f, the convention true/false: the one documented normalisation.
      const diffs = diffCanonicalCsv(expected, actual).filter(
        (d) =>
          !(
            boolIndexes.has(header.indexOf(d.column)) &&
            ((d.expected === 't' && d.actual === 'true') || (d.expected === 'f' && d.actual === 'false'))
          ),
      );
      expect(diffs).toEqual([]);
      // The boolean columns really were compared (and differ only in form).
      if (boolIndexes.size > 0) expect(actual).toMatch(/true|false/);
    },
  );
});
