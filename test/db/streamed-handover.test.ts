// A writer that consumes an extractor's hand-over directly starts with it and reads the rows while they
// are extracted (issue #12 §2): targets equal their sources, the writer starts before the extractor
// completes, a failure on either side fails both and commits nothing, and local and `--sandbox local`
// sessions compare equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { runLogsCompare } from '../remote/remote-run-kit.js';
import { runMysqlCli, runPsql, waitFor } from './db-test-kit.js';
import { createIncrementalProject, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'stream_src';
const ROWS = 200_000;
let mariadb: DbServer;
let postgres: DbServer;

/** A two-step pipeline: `extract` (its component and source) and `load` (its component and target). */
function renderPipeline(extract: string, load: string): string {
  return `oml_version: '0.1.0'
name: streamed
steps:
  - id: extract
    mode: read
    ${extract}
  - id: load
    mode: write
    needs: [extract]
    ${load}
`;
}

const fromMariadb = (source: string) =>
  `component: mysql.extractor\n    config:\n      connection: '@mysql.src'\n      ${source}`;
const toPostgres = (table: string, mode: string) =>
  `component: postgres.writer\n    config:\n      connection: '@postgres.dst'\n      schema: stream_dst\n      table: ${table}\n      write_mode: ${mode}\n      primary_key: [id]\n      create_if_missing: true`;

/** Run a pipeline in a fresh project; returns the CLI result and the session's events. */
async function runPipeline(oml: string, extraArgs: string[] = []) {
  const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
  const cli = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json', ...extraArgs]);
  const events = readNewestEvents(project);
  return { project, cli, events };
}

/** Index of the first event of this name for this step. */
function indexOf(events: readonly Record<string, unknown>[], name: string, step: string): number {
  return events.findIndex((e) => e['event'] === name && e['step_id'] === step);
}

const pgDigest = async (table: string) =>
  (
    await runPsql(
      postgres,
      `SELECT count(*) || ':' || md5(string_agg(id || '#' || name || '#' || amount, '|' ORDER BY id)) FROM stream_dst.${table}`,
    )
  ).trim();
const myDigest = async (table: string) =>
  (
    await runMysqlCli(
      mariadb,
      `SET SESSION group_concat_max_len = 1 << 30; SELECT CONCAT(COUNT(*), ':', MD5(GROUP_CONCAT(CONCAT_WS('#', id, name, amount) ORDER BY id SEPARATOR '|'))) FROM ${table}`,
    )
  ).trim();

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  await runMysqlCli(
    mariadb,
    `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB};
     CREATE TABLE ${MYDB}.items (id INT PRIMARY KEY, name VARCHAR(60) NOT NULL, amount DECIMAL(12,2));
     INSERT INTO ${MYDB}.items SELECT seq, CONCAT('item "', seq, '", ok'), seq / 100 FROM ${MYDB}.seq_1_to_${ROWS};
     CREATE TABLE ${MYDB}.back (id INT PRIMARY KEY, name VARCHAR(60) NOT NULL, amount DECIMAL(12,2));`,
  );
  await runPsql(
    postgres,
    `DROP SCHEMA IF EXISTS stream_dst CASCADE; CREATE SCHEMA stream_dst;
     CREATE TABLE stream_dst.checked (id INT PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(12,2), CHECK (id <> 5000))`,
  );
});

afterAll(async () => {
  if (mariadb) await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
  if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS stream_dst CASCADE');
});

describe('MariaDB → PostgreSQL, streamed', () => {
  it.each(['append', 'replace', 'upsert'])(
    '%s: the target equals the source; load starts before extract completes',
    async (mode) => {
      const table = `items_${mode}`;
      const { project, cli, events } = await runPipeline(
        renderPipeline(fromMariadb('table: items'), toPostgres(table, mode)),
      );
      expect(cli.code, project + cli.stdout + cli.stderr).toBe(0);
      expect(indexOf(events, 'step_start', 'load')).toBeGreaterThan(-1);
      const starts = events.filter((e) => e['event'] === 'step_start');
      expect(starts.map((e) => [e['step_id'], e['handover']])).toEqual([
        ['extract', 'streamed'],
        ['load', 'streamed'],
      ]);
      expect(indexOf(events, 'step_start', 'load')).toBeLessThan(indexOf(events, 'step_complete', 'extract'));
      expect(await pgDigest(table)).toBe(await myDigest(`${MYDB}.items`));
    },
  );

  it('an extraction that fails midway commits nothing: replace keeps the old table, append adds no row', async () => {
    // the subquery returns two rows only at id 150000: MariaDB fails after streaming the rows before it
    const failing = `query: "SELECT id, name, IF(id = 150000, (SELECT 1 UNION SELECT 2), amount) AS amount FROM items"`;
    for (const mode of ['replace', 'append']) {
      const table = `items_${mode}`;
      const before = await pgDigest(table);
      const { cli, events } = await runPipeline(
        renderPipeline(fromMariadb(failing), toPostgres(table, mode)),
      );
      expect(cli.code).toBe(1);
      const failed = events.filter((e) => e['event'] === 'step_failed').map((e) => e['step_id']);
      expect(failed.sort()).toEqual(['extract', 'load']);
      const status = JSON.parse(cli.stdout) as Record<string, unknown>;
      expect(JSON.stringify(status)).toContain('"failed_step":"extract"');
      const loadFailure = events.find((e) => e['event'] === 'step_failed' && e['step_id'] === 'load');
      expect(String(loadFailure?.['error'])).toContain("input step 'extract' failed");
      expect(await pgDigest(table)).toBe(before);
    }
  });

  it('a writer that fails (a CHECK constraint) stops the extraction; nothing is committed', async () => {
    // a pause every 20,000 rows keeps the extraction running for ~2 s after the COPY met row 5000
    const slow = `query: "SELECT id, name, amount FROM items WHERE SLEEP(IF(id % 20000 = 0, 0.2, 0)) = 0"`;
    const { cli, events } = await runPipeline(
      renderPipeline(fromMariadb(slow), toPostgres('checked', 'append')),
    );
    expect(cli.code, JSON.stringify(events.filter((e) => String(e['event']).startsWith('step')))).toBe(1);
    const failed = events.filter((e) => e['event'] === 'step_failed');
    expect(failed.map((e) => e['step_id']).sort()).toEqual(['extract', 'load']);
    const extractFailure = failed.find((e) => e['step_id'] === 'extract');
    expect(String(extractFailure?.['error'])).toContain("step 'load'");
    expect((await runPsql(postgres, 'SELECT count(*) FROM stream_dst.checked')).trim()).toBe('0');
  }, 170_000);

  it('a writer attempt that fails transiently (its COPY connection killed) is retried from the first row', async () => {
    await runPsql(postgres, 'DROP TABLE IF EXISTS stream_dst.items_retry');
    const slow = `query: "SELECT id, name, amount FROM items WHERE SLEEP(IF(id % 20000 = 0, 0.3, 0)) = 0"`;
    const project = createIncrementalProject(mariadb, postgres, MYDB, {
      'p.yaml': renderPipeline(fromMariadb(slow), toPostgres('items_retry', 'replace')),
    });
    const running = runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    const copying = `SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY "osiris_stage_items_retry_%' AND state = 'active' LIMIT 1`;
    const pid = await waitFor(
      async () => (await runPsql(postgres, copying)).trim() || undefined,
      20_000,
      'the COPY',
    );
    await runPsql(postgres, `SELECT pg_terminate_backend(${pid})`);
    const cli = await running;
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    const events = readNewestEvents(project);
    expect(events.filter((e) => e['event'] === 'step_failed')).toEqual([]);
    expect(indexOf(events, 'step_start', 'load')).toBeLessThan(indexOf(events, 'step_complete', 'extract'));
    const session = (JSON.parse(cli.stdout) as { session_id: string }).session_id;
    const log = readFileSync(join(project, 'logs', session, 'osiris.log'), 'utf8');
    expect(log).toContain('retrying the whole load');
    expect(await pgDigest('items_retry')).toBe(await myDigest(`${MYDB}.items`));
  });

  it('local and --sandbox local sessions compare equal', async () => {
    const oml = renderPipeline(fromMariadb('table: items'), toPostgres('items_compare', 'replace'));
    // each run creates the target: the two sessions have the same events
    const drop = () => runPsql(postgres, 'DROP TABLE IF EXISTS stream_dst.items_compare');
    await drop();
    const local = await runPipeline(oml);
    await drop();
    const sandbox = await runPipeline(oml, ['--sandbox', 'local']);
    expect(local.cli.code, local.cli.stderr).toBe(0);
    expect(sandbox.cli.code, sandbox.cli.stderr).toBe(0);
    const sessionOf = (r: typeof local) => {
      const id = (JSON.parse(r.cli.stdout) as { session_id: string }).session_id;
      return join(r.project, 'logs', id);
    };
    const compared = await runLogsCompare(sessionOf(local), sessionOf(sandbox));

    expect(compared.equal, compared.output).toBe(true);
    const started = indexOf(sandbox.events, 'step_start', 'load');
    expect(started).toBeLessThan(indexOf(sandbox.events, 'step_complete', 'extract'));
  });
});

/** Whether the writer reported rows written (`write.progress`) before its extractor completed. */
function sawRowsWhileExtracting(events: readonly Record<string, unknown>[]): boolean {
  const extracted = indexOf(events, 'step_complete', 'extract');
  return events.some(
    (e, i) =>
      i < extracted &&
      e['event'] === 'write.progress' &&
      e['step_id'] === 'load' &&
      Number(e['rows_written']) > 0,
  );
}

describe('rows reach the writer while the extractor still reads (a source slowed by pauses)', () => {
  it('MariaDB → PostgreSQL', async () => {
    const slow = `query: "SELECT id, name, amount FROM items WHERE SLEEP(IF(id % 20000 = 0, 0.3, 0)) = 0"`;
    const { project, cli, events } = await runPipeline(
      renderPipeline(fromMariadb(slow), toPostgres('items_slow', 'replace')),
    );
    expect(cli.code, project + cli.stdout + cli.stderr).toBe(0);
    expect(sawRowsWhileExtracting(events)).toBe(true);
    expect(await pgDigest('items_slow')).toBe(await myDigest(`${MYDB}.items`));
  });

  it('PostgreSQL → MariaDB (LOAD DATA reads the rows as they come)', async () => {
    await runPsql(
      postgres,
      `DROP TABLE IF EXISTS stream_dst.slow_src; CREATE TABLE stream_dst.slow_src AS
       SELECT g AS id, 'item "' || g || '", ok' AS name, (g / 100.0)::numeric(12,2) AS amount FROM generate_series(1, ${ROWS}) g`,
    );
    const query = `SELECT id, name, amount FROM stream_dst.slow_src WHERE CASE WHEN id % 20000 = 0 THEN pg_sleep(0.3) IS NOT NULL ELSE true END ORDER BY id`;
    const extract = `component: postgres.extractor\n    config:\n      connection: '@postgres.src'\n      query: "${query}"`;
    const load = `component: mysql.writer\n    config:\n      connection: '@mysql.dst'\n      table: slow_back\n      write_mode: replace\n      primary_key: [id]\n      create_if_missing: true`;
    const { project, cli, events } = await runPipeline(renderPipeline(extract, load));
    expect(cli.code, project + cli.stdout + cli.stderr).toBe(0);
    expect(sawRowsWhileExtracting(events)).toBe(true);
    expect(await myDigest(`${MYDB}.slow_back`)).toBe(await pgDigest('slow_src'));
  });
});

describe('PostgreSQL → MariaDB, streamed', () => {
  it('the target equals the source; load starts before extract completes', async () => {
    await runPsql(
      postgres,
      `DROP TABLE IF EXISTS stream_dst.src; CREATE TABLE stream_dst.src AS
       SELECT g AS id, 'item "' || g || '", ok' AS name, (g / 100.0)::numeric(12,2) AS amount FROM generate_series(1, ${ROWS}) g`,
    );
    const extract = `component: postgres.extractor\n    config:\n      connection: '@postgres.src'\n      schema: stream_dst\n      table: src`;
    const load = `component: mysql.writer\n    config:\n      connection: '@mysql.dst'\n      table: back\n      write_mode: replace\n      primary_key: [id]`;
    const { project, cli, events } = await runPipeline(renderPipeline(extract, load));
    expect(cli.code, project + cli.stdout + cli.stderr).toBe(0);
    expect(indexOf(events, 'step_start', 'load')).toBeLessThan(indexOf(events, 'step_complete', 'extract'));
    expect(await myDigest(`${MYDB}.back`)).toBe(await pgDigest('src'));
  });
});
