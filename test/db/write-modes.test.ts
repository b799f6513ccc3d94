// Writer modes on real servers: append, upsert and replace; failures midway (constraint in the last batch,
// killed connection) leave the target exactly as it was; a transient failure is retried without duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverModule, ResolvedConnection } from '../../src/core/index.js';
import { mysqlWriterModule } from '../../src/drivers/mysql/mysql-writer.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { countMysql, countPostgres, runDriver, runMysqlCli, runPsql, waitFor } from './db-test-kit.js';

const SMALL = 2000;
const BIG = 300_000;

/** One dialect under test: its writer, a way to look at the target, and a way to kill the loading connection. */
interface Dialect {
  name: string;
  module: DriverModule;
  connection: () => ResolvedConnection;
  /** Qualified table name for the admin client. */
  qualified: (table: string) => string;
  count: (table: string) => Promise<number>;
  /** Order-independent digest of the whole table. */
  checksum: (table: string) => Promise<string>;
  /** Wait until a connection loads into this table (or its staging table); returns its id. */
  findLoader: (table: string) => Promise<string>;
  /** Kill a connection by id. */
  kill: (id: string) => Promise<void>;
  config: Record<string, unknown>;
}

let harness: DriverHarness;
let mariadb: DbServer;
let postgres: DbServer;

const dialects: Dialect[] = [
  {
    name: 'PostgreSQL',
    module: postgresWriterModule,
    connection: () => createServerConnection('postgres', postgres),
    qualified: (t) => `wm.${t}`,
    count: (t) => countPostgres(postgres, `wm.${t}`),
    checksum: async (t) =>
      (
        await runPsql(postgres, `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM wm.${t} x`)
      ).trim(),
    findLoader: (table) => {
      const loading = `(query LIKE 'COPY "wm"."${table}" %' OR query LIKE 'COPY "osiris_stage_${table}_%')`;
      const sql = `SELECT pid FROM pg_stat_activity WHERE ${loading} AND state = 'active' LIMIT 1`;
      return waitFor(
        async () => (await runPsql(postgres, sql)).trim() || undefined,
        20_000,
        'a COPY FROM STDIN',
      );
    },
    kill: async (pid) => {
      await runPsql(postgres, `SELECT pg_terminate_backend(${pid})`);
    },
    config: { schema: 'wm' },
  },
  {
    name: 'MariaDB',
    module: mysqlWriterModule,
    connection: () => createServerConnection('mysql', mariadb),
    qualified: (t) => `wm.\`${t}\``,
    count: (t) => countMysql(mariadb, `wm.\`${t}\``),
    checksum: async (t) =>
      (
        await runMysqlCli(
          mariadb,
          `SELECT MD5(GROUP_CONCAT(CONCAT_WS('#', id, name, amount, flag, ts) ORDER BY id SEPARATOR '|')) FROM wm.\`${t}\``,
        )
      ).trim(),
    findLoader: (table) => {
      const loading = `INFO LIKE 'LOAD DATA%INTO TABLE ${'`'}wm${'`'}.${'`'}${table}${'`'} %' OR INFO LIKE 'LOAD DATA%osiris_stage_${table}_%'`;
      const sql = `SELECT ID FROM information_schema.PROCESSLIST WHERE ${loading} LIMIT 1`;
      return waitFor(
        async () => (await runMysqlCli(mariadb, sql)).trim() || undefined,
        20_000,
        'a LOAD DATA',
      );
    },
    kill: async (id) => {
      await runMysqlCli(mariadb, `KILL ${id}`);
    },
    config: { schema: 'wm' },
  },
];

function rowsSql(n: number, nameExpr = "'name ' || i"): string {
  return `SELECT i::BIGINT AS id, ${nameExpr} AS name, (i * 1.25)::DECIMAL(12,2) AS amount, i % 2 = 0 AS flag,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS ts FROM range(1, ${n + 1}) t(i)`;
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  harness = await createDriverHarness();
  const plane = harness.dataPlane;
  await plane.createFromQuery('small', rowsSql(SMALL), {});
  await plane.createFromQuery(
    'small_changed',
    rowsSql(SMALL, "CASE WHEN i % 10 = 0 THEN 'changed ' ELSE 'name ' END || i"),
    {},
  );
  await plane.createFromQuery('big', rowsSql(BIG), {});
  // The last batch (batch_size 500) holds a duplicate key, or a NULL in the NOT NULL key column.
  await plane.createFromQuery(
    'dup_last',
    `${rowsSql(SMALL)} UNION ALL SELECT 7, 'dup', 1.00, true, TIMESTAMP '2024-01-01 00:00:00'`,
    {},
  );
  await plane.createFromQuery(
    'null_last',
    `${rowsSql(SMALL)} UNION ALL SELECT NULL, 'nul', 1.00, true, TIMESTAMP '2024-01-01 00:00:00'`,
    {},
  );
  await plane.createFromQuery('blobs', `SELECT 1 AS id, '\\x0012'::BLOB AS bl`, {});
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS wm CASCADE; CREATE SCHEMA wm');
  await runMysqlCli(mariadb, 'DROP DATABASE IF EXISTS wm; CREATE DATABASE wm');
});

afterAll(async () => {
  await harness?.dispose();
});

describe.each(dialects)('$name writer', (d) => {
  const write = (stepId: string, input: string, config: Record<string, unknown>) =>
    runDriver(harness, d.module, stepId, {
      config: { ...d.config, batch_size: 500, retry_initial_delay_ms: 50, ...config },
      connection: d.connection(),
      inputs: { input },
    });

  it('append creates the table, emits the writer events, and a second append doubles the rows', async () => {
    const first = await write('append1', 'small', {
      table: 'appended',
      create_if_missing: true,
      primary_key: 'id',
    });
    expect(first.error).toBeUndefined();
    expect(first.result?.rowsWritten).toBe(SMALL);
    const names = first.recorded.events.map((e) => e.name);
    expect(names.filter((n) => n !== 'write.progress')).toEqual([
      'table.exists_check',
      'table.ddl_planned',
      'table.ddl_executed',
      'write.complete',
    ]);
    expect(first.recorded.events[0]?.fields).toMatchObject({
      step_id: 'append1',
      table: 'wm.appended',
      exists: false,
    });
    expect(String(first.recorded.events[1]?.fields.ddl)).toMatch(/PRIMARY KEY/);
    expect(first.recorded.events.at(-1)?.fields).toEqual({
      step_id: 'append1',
      rows_written: SMALL,
      target: 'wm.appended',
    });

    const again = await write('append2', 'small', { table: 'appended_dup', create_if_missing: true });
    expect(again.error).toBeUndefined();
    const twice = await write('append3', 'small', { table: 'appended_dup' });
    expect(twice.error).toBeUndefined();
    expect(twice.recorded.events[0]?.fields).toMatchObject({ exists: true });
    expect(await d.count('appended_dup')).toBe(2 * SMALL);
  });

  it('refuses a BLOB input (its bytes would change while the load succeeds), before touching the target', async () => {
    const blob = await write('blob1', 'blobs', { table: 'blobbed', create_if_missing: true });
    expect(blob.error).toMatchObject({
      code: 'input_error',
      message: expect.stringContaining(
        'input column "bl" is BLOB, which a database writer cannot load byte for byte yet',
      ),
    });
    expect(blob.recorded.events).toEqual([]);
  });

  it('upsert twice leaves the same rows, and a changed input updates exactly the changed rows', async () => {
    const cfg = { table: 'upserted', write_mode: 'upsert', primary_key: ['id'], create_if_missing: true };
    expect((await write('up1', 'small', cfg)).error).toBeUndefined();
    const before = await d.checksum('upserted');
    const second = await write('up2', 'small', cfg);
    expect(second.error).toBeUndefined();
    expect(second.result?.rowsWritten).toBe(SMALL);
    expect(await d.count('upserted')).toBe(SMALL);
    expect(await d.checksum('upserted')).toBe(before);

    expect((await write('up3', 'small_changed', cfg)).error).toBeUndefined();
    expect(await d.count('upserted')).toBe(SMALL);
    expect(await d.checksum('upserted')).not.toBe(before);
    const changed =
      d.name === 'PostgreSQL'
        ? await runPsql(postgres, "SELECT count(*) FROM wm.upserted WHERE name LIKE 'changed %'")
        : await runMysqlCli(mariadb, "SELECT COUNT(*) FROM wm.upserted WHERE name LIKE 'changed %'");
    expect(Number(changed.trim())).toBe(SMALL / 10);
  });

  it.each(['dup_last', 'null_last'])(
    'replace failing in the last batch (%s) leaves the old table intact',
    async (input) => {
      const cfg = { table: 'replaced', write_mode: 'replace', primary_key: ['id'], create_if_missing: true };
      expect((await write(`rp_${input}_seed`, 'small', cfg)).error).toBeUndefined();
      const before = await d.checksum('replaced');
      const failed = await write(`rp_${input}`, input, cfg);
      expect(failed.error).toBeDefined();
      expect(failed.error?.message).toMatch(/wm\.replaced|replaced/);
      // Deterministic: tried once, never retried.
      expect(failed.recorded.logs.filter((l) => l.message.includes('retrying'))).toEqual([]);
      expect(await d.count('replaced')).toBe(SMALL);
      expect(await d.checksum('replaced')).toBe(before);
    },
  );

  it('replace whose connection is killed midway leaves the old table intact (no retry allowed)', async () => {
    const cfg = { table: 'killed', write_mode: 'replace', primary_key: ['id'], create_if_missing: true };
    expect((await write('kill_seed', 'small', cfg)).error).toBeUndefined();
    const before = await d.checksum('killed');
    const [outcome] = await Promise.all([
      write('kill_replace', 'big', { ...cfg, retry_attempts: 1 }),
      d.findLoader('killed').then(d.kill),
    ]);
    expect(outcome.error).toBeDefined();
    expect((outcome.error as { code?: string }).code).toBe('connection_error');
    expect(await d.count('killed')).toBe(SMALL);
    expect(await d.checksum('killed')).toBe(before);
  });

  it('a transient failure (backend killed mid-load) is retried and the final count is exact', async () => {
    const cfg = { table: 'retried', create_if_missing: true, primary_key: ['id'] };
    const [outcome] = await Promise.all([
      write('retry_append', 'big', cfg),
      d.findLoader('retried').then(d.kill),
    ]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.rowsWritten).toBe(BIG);
    expect(
      outcome.recorded.logs.filter((l) => l.level === 'warn' && l.message.includes('retrying')),
    ).toHaveLength(1);
    expect(await d.count('retried')).toBe(BIG);
    const progress = outcome.recorded.events.filter((e) => e.name === 'write.progress');
    for (const p of progress) expect(Number(p.fields.rows_written)).toBeLessThanOrEqual(BIG);
  });
  it('an aborted run (Ctrl-C) stops the load at once and leaves the table intact', async () => {
    const cfg = { table: 'aborted', write_mode: 'replace', primary_key: ['id'], create_if_missing: true };
    expect((await write('abort_seed', 'small', cfg)).error).toBeUndefined();
    const before = await d.checksum('aborted');
    const controller = new AbortController();
    const [outcome] = await Promise.all([
      runDriver(harness, d.module, 'abort_replace', {
        config: { ...d.config, ...cfg },
        connection: d.connection(),
        inputs: { input: 'big' },
        signal: controller.signal,
      }),
      d.findLoader('aborted').then(() => controller.abort()),
    ]);
    expect((outcome.error as { code?: string }).code).toBe('interrupted');
    expect(await d.count('aborted')).toBe(SMALL);
    expect(await d.checksum('aborted')).toBe(before);
  });
});

describe('PostgreSQL writer: a value refused on the typed path', () => {
  it('names the column and the line of the rows sent (the server context was dropped)', async () => {
    await harness.dataPlane.createFromQuery(
      'bad_qty',
      "SELECT i AS id, CASE WHEN i = 3 THEN 'x2' ELSE i::VARCHAR END AS qty FROM range(1, 6) t(i)",
      {},
    );
    await runPsql(postgres, 'CREATE TABLE wm.typed_bad (id INT, qty INT)');
    const out = await runDriver(harness, postgresWriterModule, 'typed_bad', {
      config: { schema: 'wm', table: 'typed_bad' },
      connection: createServerConnection('postgres', postgres),
      inputs: { input: 'bad_qty' },
    });
    expect(out.error).toMatchObject({
      code: 'sql_error',
      message: expect.stringMatching(
        /invalid input syntax for type integer: "x2" \[22P02\] \(column qty, line 3 of the rows sent\); nothing was committed$/,
      ),
    });
    expect(await countPostgres(postgres, 'wm.typed_bad')).toBe(0);
  });
});

describe('PostgreSQL writer: upsert into a key-only table', () => {
  const upsert = (stepId: string, input: string) =>
    runDriver(harness, postgresWriterModule, stepId, {
      config: { schema: 'wm', table: 'keys_only', write_mode: 'upsert', primary_key: ['id'] },
      connection: createServerConnection('postgres', postgres),
      inputs: { input },
    });

  it('counts the rows it wrote, and refuses duplicate keys in one input as every upsert does', async () => {
    await harness.dataPlane.createFromQuery('keys_ok', 'SELECT i::INTEGER AS id FROM range(1, 4) t(i)', {});
    await harness.dataPlane.createFromQuery(
      'keys_dup',
      'SELECT i::INTEGER AS id FROM range(1, 4) t(i) UNION ALL SELECT 2',
      {},
    );
    await runPsql(
      postgres,
      'CREATE TABLE wm.keys_only (id INT PRIMARY KEY); INSERT INTO wm.keys_only VALUES (1)',
    );
    const ok = await upsert('keys_ok', 'keys_ok');
    expect(ok.error).toBeUndefined();
    expect(ok.result?.rowsWritten).toBe(3);
    expect(await countPostgres(postgres, 'wm.keys_only')).toBe(3);
    // DO NOTHING let these pass and reported 4 rows for 3
    const dup = await upsert('keys_dup', 'keys_dup');
    expect(dup.error).toMatchObject({ message: expect.stringContaining('[21000]') });
    expect(await countPostgres(postgres, 'wm.keys_only')).toBe(3);
  });
});

describe('PostgreSQL writer: a connection lost during COMMIT', () => {
  // A deferred constraint trigger runs at COMMIT and terminates its own backend (SQLSTATE 57P01, a
  // transient failure): the client cannot know whether the server committed.
  const dieAtCommit = (table: string): string => `
    CREATE TABLE wm.${table} (id BIGINT PRIMARY KEY, name TEXT, amount NUMERIC(12,2), flag BOOLEAN, ts TIMESTAMP);
    CREATE OR REPLACE FUNCTION wm.die_at_commit() RETURNS trigger LANGUAGE plpgsql AS
      'BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END';
    CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON wm.${table}
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wm.die_at_commit();`;
  const write = (stepId: string, config: Record<string, unknown>) =>
    runDriver(harness, postgresWriterModule, stepId, {
      config: { schema: 'wm', retry_initial_delay_ms: 50, ...config },
      connection: createServerConnection('postgres', postgres),
      inputs: { input: 'small' },
    });

  it('fails an append without retrying it, saying the outcome is unknown', async () => {
    await runPsql(postgres, dieAtCommit('commit_lost'));
    const outcome = await write('commit_lost_append', { table: 'commit_lost' });
    expect(outcome.error?.message).toMatch(/lost during COMMIT.*unknown; not retried/);
    expect(outcome.recorded.logs.filter((l) => l.message.includes('retrying'))).toEqual([]);
    expect(await countPostgres(postgres, 'wm.commit_lost')).toBe(0);
  });

  it('retries an upsert, which ends with the same rows however often it runs', async () => {
    await runPsql(postgres, dieAtCommit('commit_lost_upsert'));
    const outcome = await write('commit_lost_upsert', {
      table: 'commit_lost_upsert',
      write_mode: 'upsert',
      primary_key: ['id'],
      retry_attempts: 2,
    });
    expect(outcome.error).toBeDefined();
    expect(outcome.error?.message).not.toMatch(/not retried/);
    expect(outcome.recorded.logs.filter((l) => l.message.includes('retrying'))).toHaveLength(1);
  });
});
