// Incremental loads through the real CLI against the test's own MariaDB and PostgreSQL servers: keyset
// boundaries with ties, state committed with the rows in the target's osiris_state table, a changed
// cursor refused until --full-refresh, NULL cursors refused, and file writers' state under .osiris/state.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';
import { createIncrementalProject, pickEvents, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'inc_src';
let mariadb: DbServer;
let postgres: DbServer;

const TIE = '2026-01-01 00:00:00.123456';

const mysqlToPostgres = (mode: string, cursor = 'updated_at') => `oml_version: '0.1.0'
name: orders-to-pg
steps:
  - id: extract-orders
    component: mysql.extractor
    mode: read
    config:
      connection: '@mysql.src'
      table: orders
      incremental: { cursor: ${cursor}, primary_key: [id] }
  - id: load-orders
    component: postgres.writer
    mode: write
    needs: [extract-orders]
    config:
      connection: '@postgres.dst'
      schema: inc_dst
      table: orders
      write_mode: ${mode}
      primary_key: [id]
      create_if_missing: true
`;

/** Source rows as `id|updated_at|amount|note` lines, sorted by id. */
async function readSourceOrders(): Promise<string> {
  return runMysqlCli(
    mariadb,
    `SELECT CONCAT_WS('|', id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), amount, note) FROM ${MYDB}.orders ORDER BY id`,
  );
}

/** Target rows in the same form. */
async function readTargetOrders(): Promise<string> {
  return runPsql(
    postgres,
    `SELECT concat_ws('|', id, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US'), amount, note) FROM inc_dst.orders ORDER BY id`,
  );
}

async function insertOrders(from: number, to: number, updatedAt: string): Promise<void> {
  await runMysqlCli(
    mariadb,
    `INSERT INTO ${MYDB}.orders (id, updated_at, amount, note)
     SELECT seq, '${updatedAt}', seq / 100, CONCAT('n''', seq) FROM ${MYDB}.seq_${from}_to_${to}`,
  );
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  await runMysqlCli(
    mariadb,
    `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB};
     CREATE TABLE ${MYDB}.orders (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, amount DECIMAL(12,2), note VARCHAR(50),
       KEY by_cursor (updated_at, id))`,
  );
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_dst CASCADE; CREATE SCHEMA inc_dst');
});

afterAll(async () => {
  if (mariadb) await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
  if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_dst CASCADE');
});

describe('incremental MariaDB → PostgreSQL upsert', () => {
  it('reads only new and changed rows, ties on the boundary neither lost nor read twice', async () => {
    const project = createIncrementalProject(mariadb, postgres, MYDB, {
      'p.yaml': mysqlToPostgres('upsert'),
    });
    const run = () => runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    await insertOrders(1, 10, '2025-12-31 23:59:59');
    await insertOrders(11, 1000, TIE);

    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows_read: 1000, rows_written: 1000 });
    let events = readNewestEvents(project);
    expect(pickEvents(events, 'state_loaded')[0]).toMatchObject({
      step_id: 'extract-orders',
      after: [],
      source: 'beginning',
      writers: [{ writer: 'load-orders', boundary: null }],
    });
    expect(pickEvents(events, 'state_committed')[0]).toMatchObject({
      step_id: 'load-orders',
      extractor: 'extract-orders',
      boundary: { cursor: TIE, key: ['1000'] },
      rows: 1000,
      store: 'inc_dst.osiris_state',
    });

    // ties: more rows with the very same cursor value, and changed rows moved past it
    await insertOrders(1001, 1500, TIE);
    await runMysqlCli(
      mariadb,
      `UPDATE ${MYDB}.orders SET updated_at = '2026-01-02 00:00:00.5', amount = amount + 1 WHERE id IN (3, 500, 999)`,
    );
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ rows_read: 503, rows_written: 503 });
    events = readNewestEvents(project);
    expect(pickEvents(events, 'state_loaded')[0]).toMatchObject({
      source: 'state',
      after: [{ cursor: TIE, key: ['1000'] }],
    });
    expect(pickEvents(events, 'state_committed')[0]).toMatchObject({
      boundary: { cursor: '2026-01-02 00:00:00.5', key: ['999'] },
      rows: 503,
    });
    expect(await readTargetOrders()).toBe(await readSourceOrders());
    // the report shows where the read started and what the writer stored
    const html = await runInProject(project, mariadb, postgres, [
      'logs',
      'html',
      '--last',
      '--out',
      'r.html',
    ]);
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(join(project, 'r.html'), 'utf8');
    expect(page).toContain('<section id="incremental"><h2>Incremental state</h2>');
    expect(page).toContain(`<td>after (${TIE}, 1000)</td><td>load-orders</td>`);
    expect(page).toContain('(2026-01-02 00:00:00.5, 999) · 503 rows · inc_dst.osiris_state');

    // nothing new: nothing read, the state stays
    const third = await run();
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ rows_read: 0 });
    expect(pickEvents(readNewestEvents(project), 'state_committed')).toEqual([]);
    const state = await runPsql(
      postgres,
      'SELECT pipeline_id, extractor_step, writer_step, cursor_column, primary_key, boundary, rows_read FROM inc_dst.osiris_state',
    );
    expect(state.trim()).toBe(
      `orders-to-pg|extract-orders|load-orders|updated_at|["id"]|{"cursor":"2026-01-02 00:00:00.5","key":["999"]}|503`,
    );

    // osiris state: list, show and reset (narrowed to a step), in JSON
    const listed = await runInProject(project, mariadb, postgres, ['state', 'list', 'p.yaml', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      pipeline_id: 'orders-to-pg',
      state: [
        {
          extractor: 'extract-orders',
          writer: 'load-orders',
          store: 'inc_dst.osiris_state',
          cursor: 'updated_at',
          primary_key: ['id'],
          boundary: { cursor: '2026-01-02 00:00:00.5', key: ['999'] },
          rows: 503,
        },
      ],
    });
    const shown = await runInProject(project, mariadb, postgres, ['state', 'show', 'p.yaml', 'load-orders']);
    expect(shown.stdout).toContain('after (2026-01-02 00:00:00.5, 999)');
    expect(shown.stdout).toContain('rows read by that run: 503');
    const unknown = await runInProject(project, mariadb, postgres, ['state', 'show', 'p.yaml', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('steps with state: extract-orders, load-orders');

    // a changed cursor is refused until the state is reset; --full-refresh reads everything again
    writeFileSync(join(project, 'p.yaml'), mysqlToPostgres('upsert', 'id'));
    const refused = await run();
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'config_error' });
    expect(JSON.parse(refused.stdout).error.message).toContain("computed with cursor 'updated_at'");
    const full = await runInProject(project, mariadb, postgres, [
      'run',
      'p.yaml',
      '--json',
      '--full-refresh',
    ]);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ rows_read: 1500 });
    expect(pickEvents(readNewestEvents(project), 'state_loaded')[0]).toMatchObject({
      source: 'full_refresh',
    });
    expect((await runPsql(postgres, 'SELECT cursor_column, boundary FROM inc_dst.osiris_state')).trim()).toBe(
      'id|{"cursor":"1500","key":["1500"]}',
    );
    expect(await readTargetOrders()).toBe(await readSourceOrders());

    const reset = await runInProject(project, mariadb, postgres, ['state', 'reset', 'p.yaml', '--json']);
    expect(JSON.parse(reset.stdout)).toEqual({
      reset: [
        { extractor: 'extract-orders', writer: 'load-orders', store: 'inc_dst.osiris_state', removed: 1 },
      ],
    });
    const after = await runInProject(project, mariadb, postgres, ['state', 'list', 'p.yaml', '--json']);
    expect(JSON.parse(after.stdout).state[0]).toMatchObject({ boundary: null, rows: null });
  });

  it('refuses at compile time an incremental extractor that feeds no writer', async () => {
    const oml = `oml_version: '0.1.0'
name: dangling
steps:
  - id: x
    component: mysql.extractor
    mode: read
    config: { connection: '@mysql.src', table: orders, incremental: { cursor: updated_at, primary_key: id } }
`;
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
    const result = await runInProject(project, mariadb, postgres, ['validate', 'p.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/p\.yaml:7:\d+.*incremental extractor 'x' feeds no writer/);
  });
});

const postgresToMysql = `oml_version: '0.1.0'
name: events-to-mysql
steps:
  - id: extract-events
    component: postgres.extractor
    mode: read
    config:
      connection: '@postgres.src'
      query: SELECT a, b, at, payload FROM inc_src.events
      incremental: { cursor: at, primary_key: [a, b], initial: '2020-01-01 00:00:00+00' }
  - id: load-events
    component: mysql.writer
    mode: write
    needs: [extract-events]
    config:
      connection: '@mysql.dst'
      table: events
      write_mode: append
      primary_key: [a, b]
      create_if_missing: true
  - id: export-events
    component: filesystem.csv_writer
    mode: write
    needs: [extract-events]
    config:
      path: out/events.csv
`;

describe('incremental PostgreSQL → MariaDB append and a CSV file', () => {
  beforeAll(async () => {
    await runPsql(
      postgres,
      `DROP SCHEMA IF EXISTS inc_src CASCADE; CREATE SCHEMA inc_src;
       CREATE TABLE inc_src.events (a INT NOT NULL, b TEXT NOT NULL, at TIMESTAMPTZ(6) NOT NULL, payload TEXT, PRIMARY KEY (a, b));
       INSERT INTO inc_src.events SELECT g % 7, 'k' || g, TIMESTAMPTZ '2019-12-31 00:00:00+00', 'too old' FROM generate_series(1, 5) g;
       INSERT INTO inc_src.events SELECT g % 7, 'k' || g, TIMESTAMPTZ '2026-03-01 10:00:00.000001+00' + (g / 10) * INTERVAL '1 microsecond', 'p' || g FROM generate_series(6, 300) g;`,
    );
  });
  afterAll(async () => {
    if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_src CASCADE');
  });

  it('appends each row once across runs (composite key, microsecond timestamps with time zone, initial)', async () => {
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': postgresToMysql });
    const run = () => runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    // `initial` leaves out the five rows before 2020
    expect(JSON.parse(first.stdout)).toMatchObject({ rows_read: 295 });
    const stateFile = join(project, '.osiris', 'state', 'events-to-mysql', 'export-events.json');
    expect(existsSync(stateFile)).toBe(true);
    const fileState = JSON.parse(readFileSync(stateFile, 'utf8')) as { boundary: unknown }[];
    expect(fileState[0]?.boundary).toEqual({ cursor: '2026-03-01 10:00:00.000031+00', key: ['6', 'k300'] });

    await runPsql(
      postgres,
      `INSERT INTO inc_src.events SELECT 6, 'k' || g, TIMESTAMPTZ '2026-03-01 10:00:00.000031+00', 'tie' FROM generate_series(301, 320) g;
       INSERT INTO inc_src.events VALUES (0, 'late', '2026-03-02 00:00:00+00', 'late')`,
    );
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ rows_read: 21 });
    const csv = readFileSync(join(project, 'out', 'events.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(22); // header + the 21 rows of this run
    const counts = (
      await runMysqlCli(mariadb, `SELECT COUNT(*), COUNT(DISTINCT a, b) FROM ${MYDB}.events`)
    ).trim();
    expect(counts).toBe('316\t316');
    const committed = pickEvents(readNewestEvents(project), 'state_committed');
    expect(committed.map((e) => [e.step_id, e.store])).toEqual([
      ['load-events', 'osiris_state'],
      ['export-events', '.osiris/state'],
    ]);
  });

  it('refuses a NULL cursor on the first run, before any row is written', async () => {
    await runPsql(
      postgres,
      `CREATE TABLE inc_src.nullable (id INT PRIMARY KEY, at TIMESTAMP);
       INSERT INTO inc_src.nullable VALUES (1, '2026-01-01'), (2, NULL)`,
    );
    const oml = `oml_version: '0.1.0'
name: nullable
steps:
  - id: x
    component: postgres.extractor
    mode: read
    config: { connection: '@postgres.src', schema: inc_src, table: nullable, incremental: { cursor: at, primary_key: id } }
  - id: w
    component: postgres.writer
    mode: write
    needs: [x]
    config: { connection: '@postgres.dst', schema: inc_dst, table: nullable, create_if_missing: true }
`;
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
    const result = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    expect(result.code).toBe(1);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ failed_step: 'x', error: { code: 'config_error' } });
    expect(status.error.message).toContain("cursor column 'at' holds NULL");
    expect((await runPsql(postgres, "SELECT to_regclass('inc_dst.nullable') IS NULL")).trim()).toBe('t');
  });
});
