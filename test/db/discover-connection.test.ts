// `osiris discover @family.alias` through the real CLI against the real MariaDB and PostgreSQL servers:
// masked samples (a secret-looking column, the password inside a value), the cache and --refresh, the
// per-table time limit, every user schema, bad input, and canary passwords that never reach any output.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverConnection } from '../../src/api/discover-connection.js';
import type { DiscoveredTable } from '../../src/core/discovery.js';
import { listSecretForms } from '../../src/core/index.js';
import { readDbServers } from '../support/read-db-servers.js';
import { createProject, runOsiris } from '../support/run-osiris.js';
import { createPostgresLogin, runMysqlCli, runPsql, createServerEnv } from './db-test-kit.js';

const CONNECTIONS = `connections:
  mysql:
    movies:
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: movies
    nodb:
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
    down:
      host: 127.0.0.1
      port: 1
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: movies
  postgres:
    warehouse:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
    down:
      host: 127.0.0.1
      port: 1
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
  supabase:
    local:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
`;

const { mariadb, postgres } = readDbServers();
const env = createServerEnv(mariadb, postgres);
const SECRET_FORMS = [mariadb.password, postgres.password].flatMap(listSecretForms);
const expectNoSecret = (text: string): void => {
  for (const form of SECRET_FORMS) expect(text).not.toContain(form);
};

beforeAll(async () => {
  // A table with a secret-looking column (api_token) and a note holding the connection's password; a
  // view slow enough to hit a short --table-timeout, and a table read after it.
  const quoteMysql = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  await runMysqlCli(
    mariadb,
    `CREATE DATABASE IF NOT EXISTS discover_t; USE discover_t;
     DROP VIEW IF EXISTS slow_view; DROP TABLE IF EXISTS accounts, zz_after;
     CREATE TABLE accounts (id INT NOT NULL PRIMARY KEY, login VARCHAR(20) NOT NULL, api_token VARCHAR(64) NULL, note VARCHAR(100) NULL);
     INSERT INTO accounts VALUES (1, 'ana', 'tok-ana-0001', 'plain'), (2, 'bo', NULL, ${quoteMysql(`pw ${mariadb.password} here`)});
     CREATE VIEW slow_view AS SELECT SLEEP(20) AS slept;
     CREATE TABLE zz_after (k VARCHAR(10) NOT NULL PRIMARY KEY); INSERT INTO zz_after VALUES ('after');`,
  );
  const quotePg = (s: string): string => `'${s.replaceAll("'", "''")}'`;
  await runPsql(
    postgres,
    `DROP SCHEMA IF EXISTS discover_t CASCADE; CREATE SCHEMA discover_t;
     CREATE TABLE discover_t.accounts (id INT PRIMARY KEY, login VARCHAR(20) NOT NULL, api_token VARCHAR(64), note VARCHAR(100));
     INSERT INTO discover_t.accounts VALUES (1, 'ana', 'tok-ana-0001', 'plain'), (2, 'bo', NULL, ${quotePg(`pw ${postgres.password} here`)});
     CREATE VIEW discover_t.slow_view AS SELECT 1 AS slept FROM pg_sleep(20);
     CREATE TABLE discover_t.zz_after (k VARCHAR(10) PRIMARY KEY); INSERT INTO discover_t.zz_after VALUES ('after');`,
  );
});

describe('discover: which tables', () => {
  it('PostgreSQL without --schema lists every user schema, names qualified', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await discoverConnection({
      connection: '@postgres.warehouse',
      cwd: project,
      env,
      sample: 0,
    });
    expect(result.schemas).toEqual(expect.arrayContaining(['movies', 'discover_t', 'public']));
    const names = result.tables.map((t) => `${t.schema}.${t.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['movies.movies', 'discover_t.accounts', 'discover_t.slow_view']),
    );
    // a view has no statistics: the planner's estimate (EXPLAIN, nothing runs)
    expect(result.tables.find((t) => t.name === 'slow_view')).toMatchObject({
      kind: 'view',
      row_estimate_source: 'planner',
      row_estimate: 1,
    });
  });
});

describe('discover: samples, cache, time limits (CLI)', () => {
  for (const [family, ref] of [
    ['mysql', '@mysql.movies'],
    ['postgres', '@postgres.warehouse'],
  ] as const) {
    it(`${family}: a secret-looking column's values and the password inside a value are masked`, async () => {
      const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
      const out = await runOsiris(
        ['discover', ref, '--schema', 'discover_t', '--tables', 'accounts', '--json'],
        { cwd: project, env },
      );
      expect(out.code).toBe(0);
      const result = JSON.parse(out.stdout);
      expect(result.ok).toBe(true);
      expect(result.tables).toHaveLength(1);
      expect(result.tables[0].sample).toEqual([
        ['1', 'ana', '***MASKED***', 'plain'],
        ['2', 'bo', null, 'pw ***MASKED*** here'],
      ]);
      expectNoSecret(out.stdout + out.stderr);
      const plain = await runOsiris(['discover', ref, '--schema', 'discover_t', '--tables', 'accounts'], {
        cwd: project,
        env,
      });
      expect(plain.code).toBe(0);
      expect(plain.stdout).toMatch(/discover_t\.accounts {2}table {2}~\d+ rows .* {2}primary key \(id\)/);
      expect(plain.stdout).toMatch(/\n {4}1 +ana +\*\*\*MASKED\*\*\* +plain\n/);
      expectNoSecret(plain.stdout + plain.stderr + readCache(project));
    });

    it(`${family}: the second call answers from the cache; --refresh reads the server again`, async () => {
      const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
      const args = ['discover', ref, '--schema', 'discover_t', '--tables', 'accounts', '--json'];
      const first = JSON.parse((await runOsiris(args, { cwd: project, env })).stdout);
      expect(first).toMatchObject({ ok: true, cached: false });
      const files = readdirSync(join(project, '.osiris', 'discovery'));
      expect(files).toHaveLength(1);
      expect(first.cache_file).toBe(join(project, '.osiris', 'discovery', files[0] as string));
      // the server changes; the cache still answers what it saw, until --refresh
      const column = 'ALTER TABLE discover_t.accounts ADD COLUMN added_';
      const name = `${Date.now()}`;
      if (family === 'mysql') await runMysqlCli(mariadb, `${column}${name} INT NULL`);
      else await runPsql(postgres, `${column}${name} INT NULL`);
      const second = JSON.parse((await runOsiris(args, { cwd: project, env })).stdout);
      expect(second).toMatchObject({ ok: true, cached: true, discovered_at: first.discovered_at });
      expect(second.tables).toEqual(first.tables);
      const third = JSON.parse((await runOsiris([...args, '--refresh'], { cwd: project, env })).stdout);
      expect(third.cached).toBe(false);
      expect(third.discovered_at > first.discovered_at).toBe(true);
      expect(third.tables[0].columns.map((c: { name: string }) => c.name)).toContain(`added_${name}`);
      // a different request (another sample size) is its own cache entry
      const other = JSON.parse((await runOsiris([...args, '--sample', '1'], { cwd: project, env })).stdout);
      expect(other.cached).toBe(false);
      expect(other.tables[0].sample).toHaveLength(1);
      expectNoSecret(readCache(project));
      if (family === 'mysql')
        await runMysqlCli(mariadb, `ALTER TABLE discover_t.accounts DROP COLUMN added_${name}`);
      else await runPsql(postgres, `ALTER TABLE discover_t.accounts DROP COLUMN added_${name}`);
    });

    it(`${family}: a table over --table-timeout is reported with its error, the others in full; exit 1, not cached`, async () => {
      const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
      const started = Date.now();
      const out = await runOsiris(
        ['discover', ref, '--schema', 'discover_t', '--table-timeout', '0.5', '--json'],
        { cwd: project, env },
      );
      // the view sleeps 20 s: a run well under that was stopped by the limit (a loaded machine starts slowly)
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(out.code).toBe(1);
      const result = JSON.parse(out.stdout);
      expect(result.ok).toBe(false);
      const byName = Object.fromEntries(result.tables.map((t: DiscoveredTable) => [t.name, t]));
      expect(byName.accounts.error).toBeUndefined();
      expect(byName.accounts.sample).toHaveLength(2);
      expect(byName.slow_view.error.code).toBe('timeout');
      // its catalog columns are still listed; the session stays usable for the tables after it
      expect(byName.slow_view.columns.map((c: { name: string }) => c.name)).toEqual(['slept']);
      expect(byName.zz_after).toMatchObject({ primary_key: ['k'], sample: [['after']] });
      expect(byName.zz_after.error).toBeUndefined();
      expect(byName.slow_view.error.message).toMatch(
        /max_statement_time|statement timeout|canceling statement/i,
      );
      expect(existsSync(join(project, '.osiris', 'discovery'))).toBe(false);
      expectNoSecret(out.stdout + out.stderr);
    });
  }
});

describe('discover: the project directory', () => {
  it('-C names the project: its connections, .env and cache, from any current directory', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const elsewhere = createProject({}, false);
    const args = [
      '-C',
      project,
      'discover',
      '@mysql.movies',
      '--tables',
      'directors',
      '--sample',
      '0',
      '--json',
    ];
    const out = await runOsiris(args, { cwd: elsewhere, env });
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.cache_file.startsWith(join(project, '.osiris', 'discovery'))).toBe(true);
    expect(result.tables.map((t: DiscoveredTable) => t.name)).toEqual(['directors']);
    expect(existsSync(join(elsewhere, '.osiris'))).toBe(false);
    // the library with the same project answers from the same cache
    const again = await discoverConnection({
      connection: '@mysql.movies',
      cwd: elsewhere,
      projectDir: project,
      env,
      tables: ['directors'],
      sample: 0,
    });
    expect(again).toMatchObject({
      cached: true,
      discovered_at: result.discovered_at,
      cache_file: result.cache_file,
    });
  });
});

/** Every cache file's text. */
function readCache(project: string): string {
  const dir = join(project, '.osiris', 'discovery');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('discover: bad input', () => {
  it('an unknown alias is a connection_error naming the aliases there are', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const out = await runOsiris(['discover', '@postgres.nope'], { cwd: project, env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /error \[connection_error\]: connection @postgres\.nope not found in .*; postgres aliases: warehouse, down/,
    );
  });

  it('an unknown table in --tables is a usage error (exit 2) listing the tables', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const out = await runOsiris(['discover', '@mysql.movies', '--tables', 'movies,nope', '--json'], {
      cwd: project,
      env,
    });
    expect(out.code).toBe(2);
    const result = JSON.parse(out.stdout);
    expect(result.error.code).toBe('usage');
    expect(result.error.message).toBe(
      "--tables: no table 'nope' in @mysql.movies database movies (tables: actors, directors, movie_actors, movies, reviews)",
    );
    const pg = await runOsiris(['discover', '@postgres.warehouse', '--tables', 'movies.nope'], {
      cwd: project,
      env,
    });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/error \[usage\]: --tables: no table 'movies\.nope' in @postgres\.warehouse/);
  });

  it('a bad --sample or --table-timeout is a usage error before connecting', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    for (const [flag, value] of [
      ['--sample', '-1'],
      ['--sample', 'abc'],
      ['--sample', '2.5'],
      ['--table-timeout', '0'],
    ]) {
      const out = await runOsiris(['discover', '@postgres.down', flag as string, value as string], {
        cwd: project,
        env,
      });
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`error [usage]: ${flag} expects`);
    }
    await expect(
      discoverConnection({ connection: '@mysql.movies', cwd: project, env, sample: -3 }),
    ).rejects.toMatchObject({ code: 'usage' });
  });

  it('an unreachable server is a masked connection_error; a database-less MySQL connection asks for --schema', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const down = await runOsiris(['discover', '@postgres.down', '--timeout', '3'], { cwd: project, env });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/error \[connection_error\]: .*@postgres\.down \(127\.0\.0\.1:1\/etl\)/);
    expectNoSecret(down.stdout + down.stderr);
    const mysqlDown = await runOsiris(['discover', '@mysql.down', '--timeout', '3', '--json'], {
      cwd: project,
      env,
    });
    expect(mysqlDown.code).toBe(1);
    expect(JSON.parse(mysqlDown.stdout).error.code).toBe('connection_error');
    expect(JSON.parse(mysqlDown.stdout).error.message).toMatch(/@mysql\.down \(127\.0\.0\.1:1\/movies\)/);
    expectNoSecret(mysqlDown.stdout + mysqlDown.stderr);
    const nodb = await runOsiris(['discover', '@mysql.nodb'], { cwd: project, env });
    expect(nodb.code).toBe(2);
    expect(nodb.stderr).toContain('@mysql.nodb names no database: give one with --schema');
    const unknownSchema = await runOsiris(['discover', '@mysql.nodb', '--schema', 'nope_db'], {
      cwd: project,
      env,
    });
    expect(unknownSchema.code).toBe(2);
    expect(unknownSchema.stderr).toContain("--schema: no database 'nope_db' on @mysql.nodb");
  });
});

describe('discover: canary passwords with odd characters', () => {
  const CANARY = `Dq#Canary?7&=/+ü"'\\x`;
  const WRONG = 'Wrong-Disc0ver+/=#&"x';
  const connections = `connections:
  postgres:
    fields: { host: 127.0.0.1, port: "\${PG_PORT}", user: discover_canary, password: "\${CANARY_PW}", database: etl }
    dsn: { dsn: "postgresql://discover_canary:\${CANARY_PW_ENC}@127.0.0.1:\${PG_PORT}/etl" }
    wrong: { host: 127.0.0.1, port: "\${PG_PORT}", user: discover_canary, password: "\${WRONG_PW}", database: etl }
`;

  it('fields and a URL-encoded DSN connect, a wrong password fails masked; no form of either anywhere', async () => {
    await createPostgresLogin(postgres, 'discover_canary', CANARY);
    const quoted = `'${`note ${CANARY} end`.replaceAll("'", "''")}'`;
    await runPsql(
      postgres,
      `DROP TABLE IF EXISTS discover_t.canary_notes; CREATE TABLE discover_t.canary_notes (id INT PRIMARY KEY, note TEXT);
       INSERT INTO discover_t.canary_notes VALUES (1, ${quoted});
       GRANT USAGE ON SCHEMA discover_t TO discover_canary; GRANT SELECT ON discover_t.canary_notes TO discover_canary`,
    );
    const project = createProject({ 'osiris_connections.yaml': connections });
    const canaryEnv = {
      PG_PORT: String(postgres.port),
      CANARY_PW: CANARY,
      CANARY_PW_ENC: encodeURIComponent(CANARY),
      WRONG_PW: WRONG,
    };
    const texts: string[] = [];
    const discover = async (alias: string, extra: string[] = []) => {
      const args = ['discover', `@postgres.${alias}`, '--schema', 'discover_t', '--tables', 'canary_notes'];
      const out = await runOsiris([...args, ...extra], { cwd: project, env: canaryEnv });
      texts.push(out.stdout, out.stderr);
      return out;
    };
    for (const alias of ['fields', 'dsn']) {
      const out = await discover(alias, ['--json']);
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout).tables[0].sample).toEqual([['1', 'note ***MASKED*** end']]);
      expect((await discover(alias)).code).toBe(0);
    }
    const wrong = await discover('wrong', ['--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).error).toMatchObject({ code: 'connection_error' });
    expect(JSON.parse(wrong.stdout).error.message).toMatch(/password authentication failed/);
    texts.push(readCache(project));
    expect(readdirSync(join(project, '.osiris', 'discovery'))).toHaveLength(2);
    const forms = [CANARY, WRONG].flatMap(listSecretForms).map((f) => f.toLowerCase());
    const leaks = texts.flatMap((t) => forms.filter((f) => t.toLowerCase().includes(f)));
    expect(leaks).toEqual([]);
  });
});
