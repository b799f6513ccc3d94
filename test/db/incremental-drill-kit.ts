// Helpers for the incremental crash drill: a seeded PRNG, source batches with strictly increasing cursors,
// ordered `id|cursor|value` text of sources and targets, and a CLI run killed with SIGKILL after a delay.
import { spawn } from 'node:child_process';
import type { DbServer } from '../support/db-servers.js';
import { OSIRIS_BIN } from '../support/run-osiris.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';

/** One drill pipeline: where its source and target live and how it writes. */
export interface DrillPipeline {
  name: string;
  source: 'mysql' | 'postgres';
  /** Qualified source table (`db.table` in MariaDB, `schema.table` in PostgreSQL). */
  sourceTable: string;
  /** Qualified target table, on the other server. */
  targetTable: string;
  /** Qualified osiris_state table beside the target. */
  stateTable: string;
  mode: 'upsert' | 'append';
}

export { createSeededRandom } from '../support/seeded-random.js';

const BASE = '2026-01-01 00:00:00';

/** The servers the drill uses. */
export interface DrillServers {
  mariadb: DbServer;
  postgres: DbServer;
}

/** Run SQL on the server of this side of a pipeline. */
function runOn(servers: DrillServers, side: 'mysql' | 'postgres', sql: string): Promise<string> {
  return side === 'mysql' ? runMysqlCli(servers.mariadb, sql) : runPsql(servers.postgres, sql);
}

/** The SQL that creates a drill source table (id, cursor, value) with its (cursor, id) index. */
export function renderSourceDdl(p: DrillPipeline): string {
  if (p.source === 'mysql')
    return `CREATE TABLE ${p.sourceTable} (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, v VARCHAR(60) NOT NULL,
      KEY by_cursor (updated_at, id))`;
  return `CREATE TABLE ${p.sourceTable} (id INT PRIMARY KEY, updated_at TIMESTAMP(6) NOT NULL, v TEXT NOT NULL);
    CREATE INDEX ON ${p.sourceTable} (updated_at, id)`;
}

/**
 * Batch `batch` of a source: `inserts` new ids from `firstId`, then `updates` existing ids from `updateFrom`
 * (upsert pipelines only). Every row touched gets cursor BASE + batch s + its index µs: strictly after every
 * earlier batch (a cursor is set when a row is written), no ties, updated rows after the inserted ones.
 */
export async function applyBatch(
  servers: DrillServers,
  p: DrillPipeline,
  batch: { index: number; firstId: number; inserts: number; updateFrom?: number; updates?: number },
): Promise<void> {
  const last = batch.firstId + batch.inserts - 1;
  const b = batch.index;
  const statements: string[] = [];
  if (p.source === 'mysql') {
    statements.push(
      `INSERT INTO ${p.sourceTable} SELECT seq, TIMESTAMP'${BASE}' + INTERVAL ${b} SECOND + INTERVAL (seq - ${batch.firstId}) MICROSECOND,
         CONCAT('i', ${b}, '-', seq, ' «é»') FROM ${p.sourceTable.split('.')[0]}.seq_${batch.firstId}_to_${last}`,
    );
  } else {
    statements.push(
      `INSERT INTO ${p.sourceTable} SELECT g, TIMESTAMP '${BASE}' + ${b} * INTERVAL '1 second' + (g - ${batch.firstId}) * INTERVAL '1 microsecond',
         'i' || ${b} || '-' || g || ' «é»' FROM generate_series(${batch.firstId}, ${last}) g`,
    );
  }
  if (batch.updates && batch.updateFrom !== undefined) {
    const from = batch.updateFrom;
    const to = from + batch.updates - 1;
    const offset = `(${batch.inserts} + id - ${from})`;
    statements.push(
      p.source === 'mysql'
        ? `UPDATE ${p.sourceTable} SET updated_at = TIMESTAMP'${BASE}' + INTERVAL ${b} SECOND + INTERVAL ${offset} MICROSECOND,
             v = CONCAT('u', ${b}, '-', id) WHERE id BETWEEN ${from} AND ${to}`
        : `UPDATE ${p.sourceTable} SET updated_at = TIMESTAMP '${BASE}' + ${b} * INTERVAL '1 second' + ${offset} * INTERVAL '1 microsecond',
             v = 'u' || ${b} || '-' || id WHERE id BETWEEN ${from} AND ${to}`,
    );
  }
  await runOn(servers, p.source, statements.join(';\n'));
}

/** `id|cursor|value` lines of a table on one server, by id (cursor with 6 fraction digits). */
export function readOrderedRows(
  servers: DrillServers,
  side: 'mysql' | 'postgres',
  table: string,
): Promise<string> {
  return side === 'mysql'
    ? runMysqlCli(
        servers.mariadb,
        `SELECT CONCAT_WS('|', id, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), v) FROM ${table} ORDER BY id`,
      )
    : runPsql(
        servers.postgres,
        `SELECT concat_ws('|', id, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US'), v) FROM ${table} ORDER BY id`,
      );
}

/** The source's last row in (cursor, id) order as `cursor|id`. */
export async function readSourceMax(servers: DrillServers, p: DrillPipeline): Promise<string> {
  const sql =
    p.source === 'mysql'
      ? `SELECT CONCAT_WS('|', DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'), id) FROM ${p.sourceTable} ORDER BY updated_at DESC, id DESC LIMIT 1`
      : `SELECT concat_ws('|', to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US'), id) FROM ${p.sourceTable} ORDER BY updated_at DESC, id DESC LIMIT 1`;
  return (await runOn(servers, p.source, sql)).trim();
}

/** The stored boundary of a pipeline as `cursor|id` (cursor padded to 6 fraction digits), or '' without one. */
export async function readStoredBoundary(servers: DrillServers, p: DrillPipeline): Promise<string> {
  const target = p.source === 'mysql' ? 'postgres' : 'mysql';
  const raw = (
    await runOn(
      servers,
      target,
      `SELECT boundary FROM ${p.stateTable} WHERE pipeline_id = '${p.name}'`,
    ).catch(
      () => '', // no state table yet
    )
  ).trim();
  if (raw === '') return '';
  const b = JSON.parse(raw) as { cursor: string; key: string[] };
  // the canonical text trims trailing fraction zeros; the source's text always has six digits
  const [whole, fraction = ''] = b.cursor.split('.');
  return `${whole}.${fraction.padEnd(6, '0')}|${b.key.join(',')}`;
}

/** What happened to one run of a trial. */
export interface KilledRun {
  /** The child was still running when SIGKILL was sent. */
  killedWhileRunning: boolean;
  code: number | null;
  stderr: string;
  elapsedMs: number;
}

/** Spawn `osiris run p.yaml` in the project as runOsiris does, SIGKILL it after delayMs (if still alive). */
export function runAndKill(project: string, servers: DrillServers, delayMs: number): Promise<KilledRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [OSIRIS_BIN, 'run', 'p.yaml', '--json'], {
    cwd: project,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NO_COLOR: '1',
      MYSQL_PASSWORD: servers.mariadb.password,
      PGPASSWORD: servers.postgres.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let exited = false;
  let killedWhileRunning = false;
  child.stdout.resume(); // drained so a full pipe never stalls the child
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', () => (exited = true));
  const timer = setTimeout(() => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(child.pid, 'SIGKILL');
      killedWhileRunning = true;
    } catch {
      // ESRCH: it exited between the check and the kill, which is not a kill mid-run
    }
  }, delayMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // a child that had already ended (a zombie not yet reaped) takes the signal without dying of it
      const killed = killedWhileRunning && signal === 'SIGKILL';
      resolve({ killedWhileRunning: killed, code, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** '' when the two `id|…` texts are equal, else a short account: counts, ids missing, extra and changed. */
export function describeDifference(source: string, target: string): string {
  if (source === target) return '';
  const index = (text: string): Map<string, string> =>
    new Map(
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => [l.slice(0, l.indexOf('|')), l] as [string, string]),
    );
  const s = index(source);
  const t = index(target);
  const missing = [...s.keys()].filter((id) => !t.has(id));
  const extra = [...t.keys()].filter((id) => !s.has(id));
  const changed = [...s.keys()].filter((id) => t.has(id) && t.get(id) !== s.get(id));
  const show = (ids: string[], from: Map<string, string>): string =>
    ids
      .slice(0, 5)
      .map((id) => from.get(id))
      .join('; ');
  return (
    `source ${s.size} rows, target ${t.size} rows (${target.split('\n').filter((l) => l !== '').length} lines); ` +
    `missing ${missing.length} [${show(missing, s)}]; extra ${extra.length} [${show(extra, t)}]; ` +
    `changed ${changed.length} [${changed
      .slice(0, 5)
      .map((id) => `${s.get(id)} ≠ ${t.get(id)}`)
      .join('; ')}]`
  );
}
