// A CSV extractor read only by database writers hands its file to the database's own loader unparsed
// (issue #13 §1), on the real MariaDB and PostgreSQL the suite starts: the pass-through and the typed
// path leave identical tables (movies data, a 300k-row events file); a value the target refuses fails
// with the file's line and column and commits nothing; the session says which path ran and why.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import { REPO_ROOT } from '../support/run-osiris.js';
import { createTempDir } from '../support/temp-dirs.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';
import { createIncrementalProject, pickEvents, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'pass_through';
const MOVIE_TABLES = ['directors', 'actors', 'movies', 'movie_actors', 'reviews'] as const;
const EVENT_COLUMNS = [
  ['id', 'BIGINT'],
  ['account_id', 'INTEGER'],
  ['event_type', 'VARCHAR'],
  ['message', 'VARCHAR'],
  ['amount', 'DECIMAL(12,2)'],
  ['score', 'DOUBLE'],
  ['event_date', 'DATE'],
  ['created_at', 'TIMESTAMP'],
  ['is_flagged', 'BOOLEAN'],
  ['country', 'VARCHAR'],
  ['big_counter', 'BIGINT'],
  ['payload', 'JSON'],
] as const;
let mariadb: DbServer;
let postgres: DbServer;
let work: string;
let eventsCsv: string;
let badCsv: string;
let badLine: number;
let peopleCsv: string;

interface Load {
  id: string;
  path: string;
  writer: string;
  columns?: boolean;
  /** A second reader of the same output that needs typed rows (forces the typed path). */
  typed?: boolean;
}

function renderPipeline(loads: readonly Load[]): string {
  const steps = loads.flatMap((l) => {
    const columns = l.columns
      ? `\n      columns:\n${EVENT_COLUMNS.map(([n, t]) => `        - { name: ${n}, type: "${t}" }`).join('\n')}`
      : '';
    const extract = `  - id: read-${l.id}\n    component: filesystem.csv_extractor\n    mode: read\n    config:\n      path: ${l.path}${columns}`;
    const load = `  - id: load-${l.id}\n    mode: write\n    needs: [read-${l.id}]\n    ${l.writer}`;
    const copy = `  - id: copy-${l.id}\n    component: filesystem.csv_writer\n    mode: write\n    needs: [read-${l.id}]\n    config:\n      path: output/${l.id}.csv`;
    return l.typed ? [extract, load, copy] : [extract, load];
  });
  return `oml_version: '0.1.0'\nname: pass-through\nsteps:\n${steps.join('\n')}\n`;
}

const toPostgres = (schema: string, table: string, mode = 'append') =>
  `component: postgres.writer\n    config:\n      connection: '@postgres.dst'\n      schema: ${schema}\n      table: ${table}\n      write_mode: ${mode}${mode === 'append' ? '' : '\n      primary_key: [id]'}`;
const toMysql = (table: string) =>
  `component: mysql.writer\n    config:\n      connection: '@mysql.dst'\n      table: ${table}\n      write_mode: append`;

async function runPipeline(loads: readonly Load[]) {
  const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': renderPipeline(loads) });
  cpSync(join(REPO_ROOT, 'examples', 'movies-csv', 'data'), join(project, 'data'), { recursive: true });
  const cli = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json']);
  return { cli, events: readNewestEvents(project) };
}

/** step id → the path its write.load_path event names (and the reason of a typed one). */
function readPaths(events: readonly Record<string, unknown>[]): Record<string, string> {
  return Object.fromEntries(
    pickEvents(events, 'write.load_path').map((e) => [
      String(e['step_id']),
      e['path'] === 'typed' ? `typed: ${String(e['reason'])}` : String(e['path']),
    ]),
  );
}

const pgDigest = async (table: string) =>
  (
    await runPsql(
      postgres,
      `SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ${table} t`,
    )
  ).trim();
/** A MariaDB table's rows as the CLI prints them, in key order. */
const myDigest = async (table: string) => {
  const text = await runMysqlCli(mariadb, `SELECT * FROM ${table} ORDER BY 1, 2`);
  return `${text.trim() === '' ? 0 : text.trim().split('\n').length}:${text}`;
};

/** The movies DDL of a dialect with its schema renamed. */
function readMoviesDdl(dialect: 'postgres' | 'mysql', schema: string): string {
  const ddl = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'movies', `${dialect}.sql`), 'utf8');
  const create = ddl.split(/\n(?=CREATE TABLE)/).filter((part) => part.startsWith('CREATE TABLE'));
  // without foreign keys: each table is loaded on its own
  return create
    .map(
      (part) =>
        `${(part.split(/;\s*\n/)[0] ?? '').replace(/\n\s*FOREIGN KEY[^\n]*/g, '').replace(/,(\s*\n\))/, '$1')};`,
    )
    .join('\n')
    .replaceAll('movies.', `${schema}.`);
}

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  work = createTempDir('osiris-pass-through-');
  eventsCsv = join(work, 'events.csv');
  execFileSync(process.execPath, [join(REPO_ROOT, 'bench', 'gen-events.mjs'), '300000', eventsCsv, '--csv']);
  // The record that starts on line 150,001 (or the first after it: quoted values hold line breaks, so
  // records and lines differ) gets an amount NUMERIC refuses.
  const text = readFileSync(eventsCsv, 'utf8');
  let at = 0;
  let line = 1;
  for (let id = 1; ; id++) {
    const next = text.indexOf(`\n${id},`, at);
    for (let i = text.indexOf('\n', at); i >= 0 && i <= next; i = text.indexOf('\n', i + 1)) line++;
    at = next + 1;
    if (line >= 150_001) break;
  }
  const end = text.indexOf('\n', at);
  const fields = text.slice(at, end).split(',');
  fields[4] = 'abc';
  badLine = line;
  badCsv = join(work, 'events-bad.csv');
  peopleCsv = join(work, 'people.csv');
  // unquoted empty fields are NULL; quoted values hold the delimiter and doubled quotes
  writeFileSync(peopleCsv, 'id,name,score\n1,"Ann, B",1.5\n2,,\n3,"x ""q""",-2\n');
  writeFileSync(badCsv, text.slice(0, at) + fields.join(',') + text.slice(end));
  const eventsDdl = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'events', 'events.postgres.sql'), 'utf8')
    .replace(/--.*$/gm, '')
    .replace('DROP TABLE IF EXISTS events;', '');
  const schemas = ['pt_pass', 'pt_typed'];
  await runPsql(
    postgres,
    schemas
      .map(
        (s) =>
          `DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s}; SET search_path TO ${s};
           ${readMoviesDdl('postgres', s).replaceAll(`${s}.`, '')} ${eventsDdl} ${eventsDdl.replaceAll('events', 'events_bad')}`,
      )
      .join('\n'),
  );
  await runMysqlCli(
    mariadb,
    `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB}; USE ${MYDB}; ${readMoviesDdl('mysql', MYDB)}
     CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50), score DECIMAL(5,2));`,
  );
}, 120_000);

afterAll(async () => {
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS pt_pass CASCADE; DROP SCHEMA IF EXISTS pt_typed CASCADE');
  await runMysqlCli(mariadb, `DROP DATABASE IF EXISTS ${MYDB}`);
});

describe('CSV into databases: the file passes through to the loader', () => {
  it('leaves the same PostgreSQL tables as the typed path on the movies data and the 300k-row events file', async () => {
    const loads = (schema: string, typed: boolean): Load[] => [
      ...MOVIE_TABLES.map((t) => ({
        id: t.replaceAll('_', '-'),
        path: `data/${t}.csv`,
        writer: toPostgres(schema, t),
        typed,
      })),
      { id: 'events', path: eventsCsv, writer: toPostgres(schema, 'events'), columns: true, typed },
    ];
    const pass = await runPipeline(loads('pt_pass', false));
    expect(pass.cli.code, pass.cli.stdout + pass.cli.stderr).toBe(0);
    const typed = await runPipeline(loads('pt_typed', true));
    expect(typed.cli.code, typed.cli.stdout + typed.cli.stderr).toBe(0);
    const passPaths = readPaths(pass.events);
    const typedPaths = readPaths(typed.events);
    for (const id of [...MOVIE_TABLES.map((t) => t.replaceAll('_', '-')), 'events']) {
      expect(passPaths[`load-${id}`]).toBe('pass_through');
      expect(typedPaths[`load-${id}`]).toBe('typed: a step other than a database writer reads the rows');
    }
    for (const table of [...MOVIE_TABLES, 'events']) {
      const digest = await pgDigest(`pt_pass.${table}`);
      expect(digest, table).toBe(await pgDigest(`pt_typed.${table}`));
      expect(digest).not.toMatch(/^0:/);
    }
    expect(await pgDigest('pt_pass.events')).toMatch(/^300000:/);
  }, 240_000);

  it('loads MariaDB by LOAD DATA where the file says NULL as LOAD DATA does, and says why it parses the others', async () => {
    const loads = (typed: boolean): Load[] => [
      { id: 'movie-actors', path: 'data/movie_actors.csv', writer: toMysql('movie_actors'), typed },
      { id: 'people', path: peopleCsv, writer: toMysql('people'), typed },
    ];
    const pass = await runPipeline([
      ...loads(false),
      { id: 'directors', path: 'data/directors.csv', writer: toMysql('directors') },
      { id: 'actors', path: 'data/actors.csv', writer: toMysql('actors') },
    ]);
    expect(pass.cli.code, pass.cli.stdout + pass.cli.stderr).toBe(0);
    expect(readPaths(pass.events)).toEqual({
      'load-movie-actors': 'pass_through',
      'load-people': 'pass_through',
      'load-directors':
        'typed: the file has a quoted empty string (""), which LOAD DATA cannot tell from NULL',
      'load-actors':
        'typed: column is_active is BOOLEAN, whose text LOAD DATA does not read as the typed path does',
    });
    const before = { cast: await myDigest(`${MYDB}.movie_actors`), people: await myDigest(`${MYDB}.people`) };
    expect(before.people).toBe('3:1\tAnn, B\t1.50\n2\tNULL\tNULL\n3\tx "q"\t-2.00\n');
    await runMysqlCli(mariadb, `DELETE FROM ${MYDB}.movie_actors; DELETE FROM ${MYDB}.people`);
    const typed = await runPipeline(loads(true));
    expect(typed.cli.code, typed.cli.stdout + typed.cli.stderr).toBe(0);
    expect(await myDigest(`${MYDB}.movie_actors`)).toBe(before.cast);
    expect(await myDigest(`${MYDB}.people`)).toBe(before.people);
    expect(before.cast).toMatch(/^24:/);
  }, 120_000);

  for (const mode of ['append', 'replace', 'upsert'] as const) {
    it(`a value PostgreSQL refuses on line 150,001 fails with that line and keeps the table (${mode})`, async () => {
      await runPsql(
        postgres,
        `TRUNCATE pt_pass.events_bad; INSERT INTO pt_pass.events_bad SELECT * FROM pt_pass.events WHERE id <= 10;
         UPDATE pt_pass.events_bad SET id = id + 1000000`,
      );
      const before = await pgDigest('pt_pass.events_bad');
      const { cli, events } = await runPipeline([
        { id: 'bad', path: badCsv, writer: toPostgres('pt_pass', 'events_bad', mode), columns: true },
      ]);
      expect(cli.code).toBe(1);
      expect(readPaths(events)['load-bad']).toBe('pass_through');
      const failed = pickEvents(events, 'step_failed').find((e) => e['step_id'] === 'load-bad');
      expect(badLine).toBeGreaterThanOrEqual(150_001);
      expect(badLine).toBeLessThan(150_010);
      expect(String(failed?.['error'])).toContain(`${badCsv}:${badLine} (column amount): `);
      expect(String(failed?.['error'])).toMatch(
        /invalid input syntax for type numeric: "abc".*nothing was committed/,
      );
      expect(cli.stdout + cli.stderr).toContain(`${badCsv}:${badLine}`);
      expect(await pgDigest('pt_pass.events_bad')).toBe(before);
    }, 120_000);
  }

  it('parses the file when the table must be created from detected types, and says so', async () => {
    await runPsql(postgres, 'DROP TABLE IF EXISTS pt_pass.created');
    const { cli, events } = await runPipeline([
      {
        id: 'created',
        path: 'data/directors.csv',
        writer: `${toPostgres('pt_pass', 'created')}\n      create_if_missing: true`,
      },
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(readPaths(events)['load-created']).toMatch(/^typed: the table is created from detected types/);
    expect(await pgDigest('pt_pass.created')).toBe(await pgDigest('pt_pass.directors'));
  }, 120_000);
});
