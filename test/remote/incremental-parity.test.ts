// Incremental runs on `local`, `--sandbox local` and `--e2b` (the fake E2B of test/support/fake-e2b) against
// the test's real PostgreSQL: from the same starting point each target reads the same rows, leaves the
// same target table, CSV file and stored state, and sessions `osiris logs compare` finds equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPsql } from '../db/db-test-kit.js';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import { expectNothingAlive } from './drill-checks.js';
import {
  TARGETS,
  findLatestSession,
  readSessionLines,
  runLogsCompare,
  runOnTarget,
  startRemoteEnv,
} from './remote-run-kit.js';

const PIPELINE = `oml_version: "0.1.0"
name: incremental-parity
steps:
  - id: extract
    component: postgres.extractor
    mode: read
    config:
      connection: "@postgres.main"
      schema: ipar
      table: src
      incremental: { cursor: at, primary_key: [id] }
  - id: load
    component: postgres.writer
    mode: write
    needs: [extract]
    config: { connection: "@postgres.main", schema: ipar, table: dst, write_mode: upsert, primary_key: id, create_if_missing: true }
  - id: export
    component: filesystem.csv_writer
    mode: write
    needs: [extract]
    config: { path: out/delta.csv }
  - id: extract-chunked
    component: postgres.extractor
    mode: read
    config: { connection: "@postgres.main", schema: ipar, table: src, chunk_rows: 45, incremental: { cursor: at, primary_key: [id] } }
  - id: load-chunked
    component: postgres.writer
    mode: write
    needs: [extract-chunked]
    config: { connection: "@postgres.main", schema: ipar, table: dst2, write_mode: append, primary_key: id, create_if_missing: true }
`;

let env: RemoteEnv;
let postgres: DbServer;

/** What one target left after its two runs. */
interface Outcome {
  sessions: string[];
  codes: (number | null)[];
  table: string;
  dbState: string;
  fileState: unknown;
  csv: string;
}

const BATCH_B = `INSERT INTO ipar.src SELECT g, TIMESTAMPTZ '2026-05-01 00:00:00+00' + (g / 3) * INTERVAL '1.5 millisecond', 'b' || g FROM generate_series(201, 260) g`;

async function runTarget(target: Target): Promise<Outcome> {
  // the same starting point for every target: batch A only, no target table, no state
  await runPsql(
    postgres,
    `DROP TABLE IF EXISTS ipar.dst, ipar.dst2; DROP TABLE IF EXISTS ipar.osiris_state; DELETE FROM ipar.src WHERE id > 200`,
  );
  const project = env.project({
    'p.yaml': PIPELINE,
    'osiris_connections.yaml': `connections:\n  postgres:\n    main: { host: ${postgres.host}, port: ${postgres.port}, user: ${postgres.user}, password: "\${PG_PW}", database: ${postgres.database} }\n`,
  });
  const outcome: Outcome = { sessions: [], codes: [], table: '', dbState: '', fileState: null, csv: '' };
  for (const change of ['', BATCH_B]) {
    if (change) await runPsql(postgres, change);
    const result = await runOnTarget(target, env, project, 'p.yaml', [], { PG_PW: postgres.password }).done;
    outcome.codes.push(result.code);
    outcome.sessions.push(findLatestSession(project) as string);
  }
  outcome.table =
    (await runPsql(postgres, 'SELECT * FROM ipar.dst ORDER BY id')) +
    (await runPsql(postgres, 'SELECT * FROM ipar.dst2 ORDER BY id'));
  outcome.dbState = await runPsql(
    postgres,
    'SELECT pipeline_id, extractor_step, writer_step, cursor_column, primary_key, boundary, rows_read FROM ipar.osiris_state ORDER BY extractor_step',
  );
  const records = JSON.parse(
    readFileSync(join(project, '.osiris/state/incremental-parity/export.json'), 'utf8'),
  ) as Record<string, unknown>[];
  outcome.fileState = records.map(({ committedAt: _, ...rest }) => rest);
  outcome.csv = readFileSync(join(project, 'out/delta.csv'), 'utf8');
  return outcome;
}

const outcomes = new Map<Target, Outcome>();

beforeAll(async () => {
  ({ postgres } = readDbServers());
  env = await startRemoteEnv();
  await runPsql(
    postgres,
    `DROP SCHEMA IF EXISTS ipar CASCADE; CREATE SCHEMA ipar;
     CREATE TABLE ipar.src (id INT PRIMARY KEY, at TIMESTAMPTZ(6) NOT NULL, v TEXT);
     INSERT INTO ipar.src SELECT g, TIMESTAMPTZ '2026-04-01 00:00:00+00' + (g / 4) * INTERVAL '1 second', 'a' || g FROM generate_series(1, 200) g`,
  );
  for (const target of TARGETS) outcomes.set(target, await runTarget(target));
}, 300_000);

afterAll(async () => {
  await env?.close();
  if (postgres) await runPsql(postgres, 'DROP SCHEMA IF EXISTS ipar CASCADE');
});

describe('incremental parity: local, --sandbox local, --e2b (fake)', () => {
  const get = (t: Target): Outcome => outcomes.get(t) as Outcome;

  it('reads the same rows and leaves the same table, file and state on every target', () => {
    const local = get('local');
    expect(local.codes).toEqual([0, 0]);
    expect(local.csv.trim().split('\n')).toHaveLength(61); // header + batch B
    expect(local.table.trim().split('\n')).toHaveLength(520); // 260 rows in each target table
    const chunks = readSessionLines(local.sessions[1] as string, 'metrics.jsonl')
      .filter((m) => m.metric === 'rows_read' && m.step_id === 'extract-chunked')
      .map((m) => m.value);
    expect(chunks).toEqual([45, 15]);
    expect(local.dbState.trim()).toBe(
      'incremental-parity|extract|load|at|["id"]|{"cursor":"2026-05-01 00:00:00.129+00","key":["260"]}|60\n' +
        'incremental-parity|extract-chunked|load-chunked|at|["id"]|{"cursor":"2026-05-01 00:00:00.129+00","key":["260"]}|15',
    );
    for (const target of ['sandbox-local', 'e2b'] as const) {
      const other = get(target);
      expect(other.codes, target).toEqual([0, 0]);
      expect(other.table, target).toBe(local.table);
      expect(other.dbState, target).toBe(local.dbState);
      expect(other.fileState, target).toEqual(local.fileState);
      expect(other.csv, target).toBe(local.csv);
    }
  });

  it('gives sessions that osiris logs compare finds equal, run by run', async () => {
    for (const target of ['sandbox-local', 'e2b'] as const) {
      for (const i of [0, 1]) {
        const verdict = await runLogsCompare(
          get('local').sessions[i] as string,
          get(target).sessions[i] as string,
        );
        expect(verdict.equal, `${target} run ${i + 1}: ${verdict.output}`).toBe(true);
      }
    }
    expectNothingAlive(env);
  });
});
