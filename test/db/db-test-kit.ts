// Helpers for the database driver tests: run a driver with a hand-built context, and read or change the
// servers through their own CLI clients (independent of the drivers under test).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DriverModule, ResolvedConnection } from '../../src/core/index.js';
import type { DriverHarness, RecordedStep } from '../drivers/contract/step-context.js';
import { parseCanonicalCsv } from '../drivers/contract/canonical-csv.js';
import type { DbServer } from '../support/db-servers.js';
import { findPostgresBin } from '../support/db-servers.js';

const run = promisify(execFile);

/** Run one driver as the runtime would: fresh instance, hand-built context. */
export async function runDriver(
  harness: DriverHarness,
  module: DriverModule,
  stepId: string,
  options: {
    config: Record<string, unknown>;
    connection?: ResolvedConnection;
    inputs?: Record<string, string>;
    signal?: AbortSignal;
  },
): Promise<{
  result?: Awaited<ReturnType<ReturnType<DriverModule['create']>['run']>>;
  error?: Error;
  recorded: RecordedStep;
}> {
  const { ctx, recorded } = harness.createContext(stepId, options.signal ? { signal: options.signal } : {});
  try {
    const result = await module
      .create()
      .run({ config: options.config, connection: options.connection, inputs: options.inputs ?? {}, ctx });
    return { result, recorded };
  } catch (error) {
    return { error: error as Error, recorded };
  }
}

/** Run SQL through the `mariadb` CLI over the server's socket; stdout as text (`--batch --raw -N`). */
export async function runMysqlCli(server: DbServer, sql: string): Promise<string> {
  const { stdout } = await run(
    'mariadb',
    [
      '--no-defaults',
      '--default-character-set=utf8mb4',
      `--socket=${server.socket}`,
      '-uroot',
      '--batch',
      '--raw',
      '-N',
      '-e',
      sql,
    ],
    { env: { ...process.env, MYSQL_PWD: server.password }, maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/** Run SQL through `psql` over the server's socket (trust auth there); stdout as text. */
export async function runPsql(server: DbServer, sql: string): Promise<string> {
  const { stdout } = await run(
    join(findPostgresBin(), 'psql'),
    [
      '-X',
      '-q',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      server.socket,
      '-p',
      String(server.port),
      '-U',
      'postgres',
      '-d',
      server.database,
      '-c',
      sql,
    ],
    { env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' }, maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/** A MariaDB table's rows as the server's text (NULL as null), via JSON_ARRAY so nothing is escaped away. */
export async function readMysqlTable(
  server: DbServer,
  database: string,
  table: string,
  orderBy: string,
): Promise<(string | null)[][]> {
  const names = (
    await runMysqlCli(
      server,
      `SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='${database}' AND TABLE_NAME='${table}' ORDER BY ORDINAL_POSITION`,
    )
  )
    .split('\n')
    .filter((n) => n !== '');
  const cells = names.map((n) => `CAST(\`${n}\` AS CHAR)`).join(', ');
  const out = await runMysqlCli(
    server,
    `SELECT JSON_ARRAY(${cells}) FROM \`${database}\`.\`${table}\` ORDER BY ${orderBy}`,
  );
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as (string | null)[]);
}

/** A PostgreSQL query's rows as the server's CSV text (NULL as null, '' kept). */
export async function readPostgresRows(server: DbServer, query: string): Promise<(string | null)[][]> {
  return parseCanonicalCsv(await runPsql(server, `COPY (${query}) TO STDOUT (FORMAT csv)`));
}

/** Count rows of a table. */
export async function countPostgres(server: DbServer, table: string): Promise<number> {
  return Number((await runPsql(server, `SELECT count(*) FROM ${table}`)).trim());
}

/** Count rows of a table. */
export async function countMysql(server: DbServer, table: string): Promise<number> {
  return Number((await runMysqlCli(server, `SELECT COUNT(*) FROM ${table}`)).trim());
}

/** Wait until `probe` returns a value (polling), or fail after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Movies tables with their primary keys (ORDER BY). */
export const MOVIES_TABLES: readonly { table: string; key: string[] }[] = [
  { table: 'directors', key: ['id'] },
  { table: 'actors', key: ['id'] },
  { table: 'movies', key: ['id'] },
  { table: 'movie_actors', key: ['movie_id', 'actor_id'] },
  { table: 'reviews', key: ['id'] },
];

/** Create (or reset) a PostgreSQL login role with this password (any characters), owning nothing. */
export async function createPostgresLogin(server: DbServer, role: string, password: string): Promise<void> {
  const literal = `'${password.replace(/'/g, "''")}'`;
  await runPsql(
    server,
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE "${role}" LOGIN; END IF; END $$; ALTER ROLE "${role}" PASSWORD ${literal}`,
  );
}

/**
 * The variables a test's osiris_connections.yaml refers to for the suite's two servers: MYSQL_HOST,
 * MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD and PG_HOST, PG_PORT, PG_USER, PG_PASSWORD.
 */
export function createServerEnv(mariadb: DbServer, postgres: DbServer): Record<string, string> {
  return {
    MYSQL_HOST: mariadb.host,
    MYSQL_PORT: String(mariadb.port),
    MYSQL_USER: mariadb.user,
    MYSQL_PASSWORD: mariadb.password,
    PG_HOST: postgres.host,
    PG_PORT: String(postgres.port),
    PG_USER: postgres.user,
    PG_PASSWORD: postgres.password,
  };
}
