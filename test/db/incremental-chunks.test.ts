// Chunked incremental loads (chunk_rows) on the real MariaDB and PostgreSQL: each chunk is its own read
// and its own transaction with its boundary, chunks split runs of equal cursor values without losing or
// repeating a row, and a 2M-row load killed part way resumes after its last committed chunk.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { OSIRIS_BIN, readLines } from '../support/run-osiris.js';
import { runMysqlCli, runPsql, waitFor } from './db-test-kit.js';
import { createIncrementalProject, pickEvents, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'inc_chunks';
const TIE = '2026-02-01 12:00:00.25';
let mariadb: DbServer;
let postgres: DbServer;

const renderPipeline = (table: string, chunkRows: number, mode = 'upsert') => `oml_version: '0.1.0'
name: chunks-${table}
steps:
  - id: extract
    component: mysql.extractor
    mode: read
    config:
      connection: '@mysql.src'
      table: ${table}
      chunk_rows: ${chunkRows}
      incremental: { cursor: updated_at, primary_key: id }
  - id: load
    component: postgres.writer
    mode: write
    needs: [extract]
    config: { connection: '@postgres.dst', schema: inc_chunks, table: ${table}, write_mode: ${mode}, primary_key: id, create_if_missing: true }
`;

/** rows_read of each execution of `extract` in a session's metrics, in order. */
function readChunkRows(session: string): number[] {
  return readLines(join(session, 'metrics.jsonl'))
    .filter((m) => m.metric === 'rows_read' && m.step_id === 'extract')
    .map((m) => m.value as number);
}

function newestSession(project: string): string {
  const runs = readdirSync(join(project, 'logs'))
    .filter((n) => n.startsWith('run_'))
    .sort();
  return join(project, 'logs', runs[runs.length - 1] as string);
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB}`);
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_chunks CASCADE; CREATE SCHEMA inc_chunks');
});

afterAll(async () => {
  if (mariadb) await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
  if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS inc_chunks CASCADE');
});

describe('chunk_rows', () => {
  it('commits each chunk with its boundary; chunks split 1,000 equal cursor values and new ties follow', async () => {
    await runMysqlCli(
      mariadb,
      `CREATE TABLE ${MYDB}.ties (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, v VARCHAR(20), KEY c (updated_at, id));
       INSERT INTO ${MYDB}.ties SELECT seq, '2026-01-01', CONCAT('early', seq) FROM ${MYDB}.seq_2001_to_2050;
       INSERT INTO ${MYDB}.ties SELECT seq, '${TIE}', CONCAT('tie', seq) FROM ${MYDB}.seq_1_to_1000`,
    );
    const project = createIncrementalProject(mariadb, postgres, MYDB, {
      'p.yaml': renderPipeline('ties', 300),
    });
    const first = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      rows_read: 1050,
      rows_written: 1050,
      steps_completed: 2,
    });
    expect(readChunkRows(newestSession(project))).toEqual([300, 300, 300, 150]);
    const committed = pickEvents(readNewestEvents(project), 'state_committed').map((e) => e.boundary);
    // the first chunk holds the 50 early rows and 250 ties; the others split the ties by id
    expect(committed).toEqual([
      { cursor: TIE, key: ['250'] },
      { cursor: TIE, key: ['550'] },
      { cursor: TIE, key: ['850'] },
      { cursor: TIE, key: ['1000'] },
    ]);

    await runMysqlCli(
      mariadb,
      `INSERT INTO ${MYDB}.ties SELECT seq, '${TIE}', 'new' FROM ${MYDB}.seq_1001_to_1200`,
    );
    const second = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(readChunkRows(newestSession(project))).toEqual([200]);
    const ids = await runPsql(
      postgres,
      'SELECT count(*), count(DISTINCT id), min(id), max(id) FROM inc_chunks.ties',
    );
    expect(ids.trim()).toBe('1250|1250|1|2050');
  });

  it('refuses chunk_rows where a chunk could not be committed on its own', async () => {
    const oml = renderPipeline('ties', 10, 'replace');
    const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': oml });
    const result = await runInProject(project, mariadb, postgres, ['validate', 'p.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/p\.yaml:10:\d+.*chunk_rows is read by 'load' with write_mode replace/);
  });

  it('resumes a 2M-row load killed part way after its last committed chunk, re-reading at most one chunk', async () => {
    const total = 2_000_000;
    const chunk = 100_000;
    await runMysqlCli(
      mariadb,
      `CREATE TABLE ${MYDB}.big (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, v VARCHAR(20), KEY c (updated_at, id));
       INSERT INTO ${MYDB}.big SELECT seq, '2026-01-01' + INTERVAL (seq DIV 7) SECOND, CONCAT('v', seq) FROM ${MYDB}.seq_1_to_${total}`,
    );
    const project = createIncrementalProject(mariadb, postgres, MYDB, {
      'p.yaml': renderPipeline('big', chunk, 'append'),
    });
    const child = spawn(process.execPath, [OSIRIS_BIN, 'run', 'p.yaml'], {
      cwd: project,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: '/tmp',
        MYSQL_PASSWORD: mariadb.password,
        PGPASSWORD: postgres.password,
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // kill -9 once five of the twenty chunks (a wide margin before the end) are committed
    await waitFor(
      async () => {
        const logs = join(project, 'logs');
        if (!existsSync(logs) || readdirSync(logs).length === 0) return undefined;
        // the session directory exists a moment before its events.jsonl does
        const file = join(newestSession(project), 'events.jsonl');
        if (!existsSync(file)) return undefined;
        const events = readFileSync(file, 'utf8');
        return (events.match(/"event":"state_committed"/g) ?? []).length >= 5 ? true : undefined;
      },
      120_000,
      'five committed chunks',
    );
    child.kill('SIGKILL');
    await exited;
    const killed = newestSession(project);
    expect(existsSync(join(killed, 'status.json'))).toBe(false);
    const readBefore = readChunkRows(killed).reduce((a, b) => a + b, 0);

    const resumed = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const loaded = pickEvents(readNewestEvents(project), 'state_loaded')[0];
    expect(loaded).toMatchObject({ source: 'state' });
    const readAfter = readChunkRows(newestSession(project)).reduce((a, b) => a + b, 0);
    const committedBefore =
      Number((await runPsql(postgres, 'SELECT count(*) FROM inc_chunks.big')).trim()) - readAfter;
    // the resumed run read exactly what was not committed; the killed run read at most one chunk more
    expect(committedBefore).toBeGreaterThanOrEqual(5 * chunk);
    expect(readAfter).toBe(total - committedBefore);
    expect(readBefore + readAfter).toBeLessThanOrEqual(total + chunk);
    const check = await runPsql(
      postgres,
      'SELECT count(*), count(DISTINCT id), min(id), max(id) FROM inc_chunks.big',
    );
    expect(check.trim()).toBe(`${total}|${total}|1|${total}`);
  }, 240_000);
});
