// Parity with real servers: MySQL (MariaDB) → DuckDB → PostgreSQL on `local`, `--sandbox local` and `--e2b`
// (fake), plus the bad-credentials drill. The servers are the ephemeral ones of test/support/db-servers.ts:
// provided by the global setup when it is wired, otherwise started here. A server that cannot start FAILS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runPsql } from '../db/db-test-kit.js';
import type { DbServer } from '../support/db-servers.js';
import { startDbServers } from '../support/db-servers.js';
import { expectFailedRun, expectNothingAlive } from './drill-checks.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  TARGETS,
  findForms,
  findLatestSession,
  listAllForms,
  listFilesDeep,
  normalizeStatus,
  readStatus,
  runOnTarget,
  startRemoteEnv,
  runLogsCompare,
} from './remote-run-kit.js';

const WRONG_PASSWORD = 'Wrong-Canary-55aa+/=#';

const PIPELINE = `oml_version: "0.1.0"
name: mysql-to-postgres
steps:
  - id: e_movies
    component: mysql.extractor
    mode: read
    config:
      connection: "@mysql.src"
      query: "SELECT id, title, director_id, release_date, budget_usd, box_office_usd, rating, popularity, is_color FROM movies.movies ORDER BY id"
  - id: e_directors
    component: mysql.extractor
    mode: read
    config: { connection: "@mysql.src", table: directors, schema: movies }
  - id: t_join
    component: duckdb.processor
    mode: transform
    needs: [e_movies, e_directors]
    config:
      query: "SELECT m.*, d.name AS director, d.country FROM e_movies m LEFT JOIN e_directors d ON m.director_id = d.id ORDER BY m.id"
  - id: w_pg
    component: postgres.writer
    mode: write
    needs: [t_join]
    config: { connection: "@postgres.dst", table: remote_parity_movies, write_mode: replace, primary_key: id, create_if_missing: true }
  - id: w_csv
    component: filesystem.csv_writer
    mode: write
    needs: [t_join]
    config: { path: out/movies.csv }
`;

function writeConnections(
  project: string,
  mariadb: DbServer,
  postgres: DbServer,
  mysqlPassword: string,
): void {
  writeFileSync(
    join(project, 'osiris_connections.yaml'),
    // Verified TLS with the CA as a host file path: a sandbox has no such file, so the host sends its
    // text along while the config keeps the path (the cleaned configs must still compare equal).
    `connections:\n  mysql:\n    src: { host: localhost, port: ${mariadb.port}, user: ${mariadb.user}, password: "\${MYSQL_PW}", database: ${mariadb.database}, ssl_mode: VERIFY_IDENTITY, ssl_ca: "${mariadb.sslCert}" }\n` +
      `  postgres:\n    dst: { host: localhost, port: ${postgres.port}, user: ${postgres.user}, password: "\${PG_PW}", database: ${postgres.database}, sslmode: verify-full, sslrootcert: "${postgres.sslCert}" }\n`,
  );
  writeFileSync(join(project, '.env'), `MYSQL_PW=${JSON.stringify(mysqlPassword)}\n`);
}

let env: RemoteEnv;
let servers: { mariadb: DbServer; postgres: DbServer };
let stopServers: (() => Promise<void>) | undefined;

beforeAll(async () => {
  env = await startRemoteEnv();
  let info = inject('dbServers');
  if (!info) {
    const started = await startDbServers();
    stopServers = started.stop;
    info = started.info;
  }
  if (info.error || !info.mariadb || !info.postgres)
    throw new Error(`test database servers did not start: ${info.error ?? 'unknown'}`);
  servers = { mariadb: info.mariadb, postgres: info.postgres };
}, 300_000);

afterAll(async () => {
  await env?.close();
  await stopServers?.();
});

describe('parity: MySQL → DuckDB → PostgreSQL', () => {
  const runs = new Map<
    Target,
    { code: number | null; stderr: string; session: string; project: string; table: string }
  >();

  beforeAll(async () => {
    for (const target of TARGETS) {
      await runPsql(servers.postgres, 'DROP TABLE IF EXISTS remote_parity_movies');
      const project = env.project({ 'pipelines/movies.yaml': PIPELINE });
      writeConnections(project, servers.mariadb, servers.postgres, servers.mariadb.password);
      const result = await runOnTarget(target, env, project, 'pipelines/movies.yaml', [], {
        PG_PW: servers.postgres.password,
      }).done;
      const table = await runPsql(servers.postgres, 'SELECT * FROM remote_parity_movies ORDER BY id').catch(
        (e: Error) => `ERROR ${e.message}`,
      );
      runs.set(target, {
        code: result.code,
        stderr: result.stderr,
        session: findLatestSession(project) as string,
        project,
        table,
      });
    }
  }, 240_000);

  const get = (t: Target) => runs.get(t) as NonNullable<ReturnType<typeof runs.get>>;

  it('succeeds on every target with the same rows in PostgreSQL and byte-equal CSV output', () => {
    for (const target of TARGETS) expect(get(target).code, `${target}: ${get(target).stderr}`).toBe(0);
    expect(get('local').table.split('\n').length).toBeGreaterThanOrEqual(16);
    const csv = readFileSync(join(get('local').project, 'out/movies.csv'));
    for (const target of ['sandbox-local', 'e2b'] as const) {
      expect(get(target).table).toBe(get('local').table);
      expect(readFileSync(join(get(target).project, 'out/movies.csv')).equals(csv), target).toBe(true);
    }
  });

  it('gives sessions osiris logs compare finds equal, with equal status.json but for adapter/transport/times', async () => {
    for (const target of ['sandbox-local', 'e2b'] as const) {
      const verdict = await runLogsCompare(get('local').session, get(target).session);
      expect(verdict.code, verdict.output).toBe(0);
      expect(verdict.equal).toBe(true);
      expect(normalizeStatus(readStatus(get(target).session))).toEqual(
        normalizeStatus(readStatus(get('local').session)),
      );
    }
    expectNothingAlive(env);
  });

  it('keeps both server passwords out of every file and of stdout/stderr', () => {
    const forms = listAllForms([servers.mariadb.password, servers.postgres.password]);
    for (const target of TARGETS) {
      const { project, stderr } = get(target);
      const hits = findForms('stderr', stderr, forms);
      for (const file of listFilesDeep(project))
        if (!file.endsWith('.env')) hits.push(...findForms(file, readFileSync(file), forms));
      expect(hits, target).toEqual([]);
    }
  });
});

describe('failure drill: bad database credentials', () => {
  const messages = new Map<Target, string>();

  it('fails the first MySQL step with a masked, actionable message on every target', async () => {
    const forms = listAllForms([WRONG_PASSWORD]);
    for (const target of TARGETS) {
      const project = env.project({ 'pipelines/movies.yaml': PIPELINE });
      writeConnections(project, servers.mariadb, servers.postgres, WRONG_PASSWORD);
      const result = await runOnTarget(target, env, project, 'pipelines/movies.yaml', [], {
        PG_PW: servers.postgres.password,
      }).done;
      const session = findLatestSession(project) as string;
      if (target === 'local') {
        expect(result.code).toBe(1);
        expect(readStatus(session)).toMatchObject({
          ok: false,
          failed_step: 'e_movies',
          error: { code: 'connection_error' },
        });
      } else {
        expectFailedRun(result, session, {
          exit: 1,
          code: 'connection_error',
          failedStep: 'e_movies',
          // both extractors start at once (--concurrency 4); the first in manifest order names the failure
          started: ['e_movies', 'e_directors'],
          failed: ['e_movies', 'e_directors'],
        });
      }
      const message = String((readStatus(session).error as { message: string }).message);
      expect(message).toMatch(/password|Access denied/i);
      messages.set(target, message);
      const hits = [
        ...findForms('stdout', result.stdout, forms),
        ...findForms('stderr', result.stderr, forms),
      ];
      for (const file of listFilesDeep(project))
        if (!file.endsWith('.env')) hits.push(...findForms(file, readFileSync(file), forms));
      expect(hits, target).toEqual([]);
    }
    expect(messages.get('sandbox-local')).toBe(messages.get('local'));
    expect(messages.get('e2b')).toBe(messages.get('local'));
    expectNothingAlive(env);
  }, 120_000);
});
