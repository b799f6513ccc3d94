// examples/movies-mysql-to-postgres through the real CLI against the test servers: each write mode behaves
// as its README says on a second run, and no form of either password reaches stdout, stderr or any file
// the run wrote (logs, build, .osiris) — on success and with a wrong password.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSecretForms } from '../../src/core/index.js';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { REPO_ROOT, runOsiris } from '../support/run-osiris.js';
import { countPostgres, runPsql } from './db-test-kit.js';

const SCHEMA = 'example_dw';
let project: string;
let mariadb: DbServer;
let postgres: DbServer;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function findLeaks(texts: readonly string[]): string[] {
  const forms = [mariadb.password, postgres.password, 'Example-Wrong-pw+/=#'].flatMap(listSecretForms);
  return texts.flatMap((t, i) => forms.filter((f) => t.includes(f)).map((f) => `text ${i}: ${f}`));
}

function environment(mysqlPassword = mariadb.password): Record<string, string> {
  return {
    MYSQL_HOST: mariadb.host,
    MYSQL_PORT: String(mariadb.port),
    MYSQL_USER: mariadb.user,
    MYSQL_PASSWORD: mysqlPassword,
    PGHOST: postgres.host,
    PGPORT: String(postgres.port),
    PGUSER: postgres.user,
    PGPASSWORD: postgres.password,
    PGDATABASE: postgres.database,
  };
}

const run = (env: Record<string, string>) =>
  runOsiris(['run', 'pipeline.yaml', '--json', '--param', `schema=${SCHEMA}`, '--memory-limit', '256MB'], {
    cwd: project,
    env,
    timeoutMs: 120_000,
  });

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  project = mkdtempSync(join(tmpdir(), 'osiris-db-example-'));
  for (const name of ['pipeline.yaml', 'osiris.yaml', 'osiris_connections.yaml']) {
    cpSync(join(REPO_ROOT, 'examples', 'movies-mysql-to-postgres', name), join(project, name));
  }
  await runPsql(postgres, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
});

afterAll(async () => {
  if (project) rmSync(project, { recursive: true, force: true });
  if (postgres) await runPsql(postgres, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
});

describe('examples/movies-mysql-to-postgres', () => {
  it('runs twice: replace and upsert keep their rows, append doubles, nothing leaks', async () => {
    const outputs: string[] = [];
    for (const expectedLog of [9, 18]) {
      const result = await run(environment());
      outputs.push(result.stdout, result.stderr);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        status: 'success',
        steps_completed: 7,
        rows_read: 35,
        rows_written: 35,
      });
      expect(await countPostgres(postgres, `${SCHEMA}.directors`)).toBe(10);
      expect(await countPostgres(postgres, `${SCHEMA}.movie_summary`)).toBe(16);
      expect(await countPostgres(postgres, `${SCHEMA}.review_log`)).toBe(expectedLog);
    }
    const summary = await runPsql(
      postgres,
      `SELECT budget_usd, avg_score, metadata FROM ${SCHEMA}.movie_summary WHERE id = 4`,
    );
    expect(summary.trim()).toBe(
      '800000.00|7.00|{"tags": ["thriller"], "box-office": {"week1": 120000, "week2": 95000}}',
    );

    const failed = await run(environment('Example-Wrong-pw+/=#'));
    outputs.push(failed.stdout, failed.stderr);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'connection_error' },
    });

    const files = listFiles(project).filter((p) => !p.endsWith('.duckdb'));
    expect(files.some((f) => f.endsWith('events.jsonl'))).toBe(true);
    expect(findLeaks([...outputs, ...files.map((f) => readFileSync(f, 'latin1'))])).toEqual([]);
  });
});
