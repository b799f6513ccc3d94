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
import { runLogsCompare } from '../remote/remote-run-kit.js';
import { runMysqlCli, runPsql } from './db-test-kit.js';
import { createIncrementalProject, pickEvents, readNewestEvents, runInProject } from './incremental-kit.js';

const MYDB = 'pass_through';
const MOVIE_TABLES = ['directors', 'actors', 'movies', 'movie_actors', 'reviews'] as const;
/** The `events` table's columns as the data plane types them (shared with bench case 20). */
const EVENT_COLUMNS = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'events', 'columns.json'), 'utf8'),
) as [string, string][];
let mariadb: DbServer;
let postgres: DbServer;
let work: string;
let eventsCsv: string;
let badCsv: string;
let badLine: number;
let peopleCsv: string;
let tornCsv: string;
let tornPeopleCsv: string;
let tornLine: number;
let gappyCsv: string;

interface Load {
  id: string;
  path: string;
  writer: string;
  columns?: boolean;
  /** A second reader of the same output that needs typed rows (forces the typed path). */
  typed?: boolean;
  /** More extractor config lines. */
  extra?: string;
}

function renderPipeline(loads: readonly Load[]): string {
  const steps = loads.flatMap((l) => {
    const columns = l.columns
      ? `\n      columns:\n${EVENT_COLUMNS.map(([n, t]) => `        - { name: ${n}, type: "${t}" }`).join('\n')}`
      : '';
    const extra = l.extra ? `\n      ${l.extra}` : '';
    const extract = `  - id: read-${l.id}\n    component: filesystem.csv_extractor\n    mode: read\n    config:\n      path: ${l.path}${columns}${extra}`;
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

/** Run the loads in a fresh project (`emptyTargets`: the MariaDB tables emptied first, so each run writes the same). */
async function runPipeline(loads: readonly Load[], extraArgs: string[] = [], emptyTargets = false) {
  const project = createIncrementalProject(mariadb, postgres, MYDB, { 'p.yaml': renderPipeline(loads) });
  cpSync(join(REPO_ROOT, 'examples', 'movies-csv', 'data'), join(project, 'data'), { recursive: true });
  cpSync(peopleCsv, join(project, 'data', 'people.csv'));
  if (emptyTargets)
    await runMysqlCli(mariadb, `DELETE FROM ${MYDB}.reviews; DELETE FROM ${MYDB}.people_latin`);
  const cli = await runInProject(project, mariadb, postgres, ['run', 'p.yaml', '--json', ...extraArgs]);
  const session = join(project, 'logs', (JSON.parse(cli.stdout) as { session_id: string }).session_id);
  return { cli, events: readNewestEvents(project), session };
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

/** events_bad holds 10 rows of its own (ids beyond the file's); returns its digest. */
async function resetEventsBad(): Promise<string> {
  await runPsql(
    postgres,
    `TRUNCATE pt_pass.events_bad; INSERT INTO pt_pass.events_bad SELECT * FROM pt_pass.events WHERE id <= 10;
     UPDATE pt_pass.events_bad SET id = id + 1000000`,
  );
  return pgDigest('pt_pass.events_bad');
}

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
  writeFileSync(peopleCsv, 'id,name,score\n1,"Ann, B",1.5\n2,,\n3,"x ""q""",-2\n4,"",5\n5,NULL,6\n');
  tornPeopleCsv = join(work, 'people-torn.csv');
  writeFileSync(tornPeopleCsv, 'id,name,score\n1,a,1\n2,b,2\n3,c,3,4\n');
  gappyCsv = join(work, 'gappy.csv');
  writeFileSync(gappyCsv, 'id,name,score\n1,"Ann, B",1.5\n\n2,,\n3,"x ""q""",-2\n');
  // the last record gets a 13th field: the scan finds it long after the writer started
  tornCsv = join(work, 'events-torn.csv');
  const lastStart = text.lastIndexOf('\n300000,') + 1;
  tornLine = text.slice(0, lastStart).split('\n').length;
  writeFileSync(tornCsv, `${text.slice(0, text.length - 1)},extra\n`);
  writeFileSync(badCsv, text.slice(0, at) + fields.join(',') + text.slice(end));
  const eventsDdl = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'events', 'events.postgres.sql'), 'utf8')
    .replace(/--.*$/gm, '')
    .replace('DROP TABLE IF EXISTS events;', '');
  const mysqlEventsDdl = readFileSync(
    join(REPO_ROOT, 'test', 'fixtures', 'events', 'events.mysql.sql'),
    'utf8',
  )
    .replace(/--.*$/gm, '')
    .replace('DROP TABLE IF EXISTS events;', '');
  const schemas = ['pt_pass', 'pt_typed'];
  await runPsql(
    postgres,
    schemas
      .map(
        (s) =>
          `DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s}; SET search_path TO ${s};
           ${readMoviesDdl('postgres', s).replaceAll(`${s}.`, '')} ${eventsDdl} ${eventsDdl.replaceAll('events', 'events_bad')}
           CREATE TABLE people (id INT PRIMARY KEY, name TEXT, score NUMERIC(5,2));`,
      )
      .join('\n'),
  );
  await runMysqlCli(
    mariadb,
    `DROP DATABASE IF EXISTS ${MYDB}; CREATE DATABASE ${MYDB}; USE ${MYDB}; ${readMoviesDdl('mysql', MYDB)}
     CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50), score DECIMAL(5,2));
     CREATE TABLE people_latin LIKE people;
     ${mysqlEventsDdl} CREATE TABLE events_typed LIKE events;`,
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
    // the writer started with its extractor (a streamed pair): it sends what the scan has checked
    const at = (event: string, step: string) =>
      pass.events.findIndex((e) => e['event'] === event && e['step_id'] === step);
    expect(at('step_start', 'load-events')).toBeLessThan(at('step_complete', 'read-events'));
  }, 240_000);

  it('loads MariaDB by LOAD DATA with the CSV NULL convention, the same as the typed path, and says why it parses the others', async () => {
    const loads = (typed: boolean): Load[] => [
      { id: 'movie-actors', path: 'data/movie_actors.csv', writer: toMysql('movie_actors'), typed },
      { id: 'directors', path: 'data/directors.csv', writer: toMysql('directors'), typed },
      { id: 'actors', path: 'data/actors.csv', writer: toMysql('actors'), typed },
      { id: 'people', path: peopleCsv, writer: toMysql('people'), typed },
    ];
    const pass = await runPipeline([
      ...loads(false),
      { id: 'latin', path: peopleCsv, writer: toMysql('people_latin'), extra: 'encoding: latin-1' },
    ]);
    expect(pass.cli.code, pass.cli.stdout + pass.cli.stderr).toBe(0);
    expect(readPaths(pass.events)).toEqual({
      'load-movie-actors': 'pass_through',
      'load-directors': 'pass_through',
      'load-actors': 'pass_through',
      'load-people': 'pass_through',
      'load-latin': "typed: the file is latin-1, and MySQL's latin1 is Windows-1252",
    });
    const tables = ['movie_actors', 'directors', 'actors'];
    const readPeople = () =>
      runMysqlCli(mariadb, `SELECT id, name IS NULL, name, score FROM ${MYDB}.people ORDER BY id`);
    const before = [...(await Promise.all(tables.map((t) => myDigest(`${MYDB}.${t}`)))), await readPeople()];
    // empty unquoted: NULL; "": the empty string; a bare NULL with null_string "": the text NULL
    expect(before[3]).toBe(
      '1\t0\tAnn, B\t1.50\n2\t1\tNULL\tNULL\n3\t0\tx "q"\t-2.00\n4\t0\t\t5.00\n5\t0\tNULL\t6.00\n',
    );
    expect(before[0]).toMatch(/^24:/);
    expect(before[1]).toMatch(/^10:/);
    expect(before[2]).toMatch(/^20:/);
    await runMysqlCli(
      mariadb,
      `DELETE FROM ${MYDB}.movie_actors; DELETE FROM ${MYDB}.directors; DELETE FROM ${MYDB}.actors; DELETE FROM ${MYDB}.people`,
    );
    const typed = await runPipeline(loads(true));
    expect(typed.cli.code, typed.cli.stdout + typed.cli.stderr).toBe(0);
    expect(Object.values(readPaths(typed.events)).every((p) => p.startsWith('typed'))).toBe(true);
    const after = [...(await Promise.all(tables.map((t) => myDigest(`${MYDB}.${t}`)))), await readPeople()];
    expect(after).toEqual(before);
  }, 120_000);

  it('leaves the same MariaDB events table as the typed path, and a malformed last record commits nothing', async () => {
    const load = (typed: boolean, path = eventsCsv): Load => ({
      id: 'events',
      path,
      writer: toMysql(typed ? 'events_typed' : 'events'),
      columns: true,
      typed,
    });
    const pass = await runPipeline([load(false)]);
    expect(pass.cli.code, pass.cli.stdout + pass.cli.stderr).toBe(0);
    expect(readPaths(pass.events)['load-events']).toBe('pass_through');
    const typed = await runPipeline([load(true)]);
    expect(typed.cli.code, typed.cli.stdout + typed.cli.stderr).toBe(0);
    const checksum = async (table: string) =>
      (await runMysqlCli(mariadb, `SELECT COUNT(*) FROM ${MYDB}.${table}; CHECKSUM TABLE ${MYDB}.${table}`))
        .replace(`${MYDB}.${table}`, '')
        .trim();
    const digest = await checksum('events');
    expect(digest).toMatch(/^300000\s/);
    expect(digest).toBe(await checksum('events_typed'));
    // the scan finds the torn record while LOAD DATA streams: the upload stops, nothing is kept
    await runMysqlCli(mariadb, `DELETE FROM ${MYDB}.events WHERE id > 10`);
    const torn = await runPipeline([load(false, tornCsv)]);
    expect(torn.cli.code).toBe(1);
    expect(JSON.parse(torn.cli.stdout).failed_step).toBe('read-events');
    expect(await runMysqlCli(mariadb, `SELECT COUNT(*), MAX(id) FROM ${MYDB}.events`)).toBe('10\t10\n');
  }, 240_000);

  it('a malformed record fails the extractor and LOAD DATA commits nothing', async () => {
    await runMysqlCli(
      mariadb,
      `DELETE FROM ${MYDB}.people; INSERT INTO ${MYDB}.people VALUES (100, 'kept', 1)`,
    );
    const { cli, events } = await runPipeline([
      { id: 'torn', path: tornPeopleCsv, writer: toMysql('people') },
    ]);
    expect(cli.code).toBe(1);
    const failed = pickEvents(events, 'step_failed').map((e) => [e['step_id'], String(e['error'])]);
    expect(failed.find(([id]) => id === 'read-torn')?.[1]).toContain(
      `${tornPeopleCsv}:4: 4 fields, expected 3`,
    );
    expect(cli.stdout + cli.stderr).toMatch(/"failed_step": "read-torn"/);
    expect(await runMysqlCli(mariadb, `SELECT * FROM ${MYDB}.people`)).toBe('100\tkept\t1.00\n');
  }, 120_000);

  for (const mode of ['append', 'replace', 'upsert'] as const) {
    it(`a value PostgreSQL refuses on line 150,001 fails with that line and keeps the table (${mode})`, async () => {
      const before = await resetEventsBad();
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
      // the writer names the run's failure: the extractor was only stopped by it
      expect(cli.stdout + cli.stderr).toMatch(/"failed_step": "load-bad"/);
      expect(await pgDigest('pt_pass.events_bad')).toBe(before);
    }, 120_000);
  }

  it('a timestamp with an offset takes the typed path, so a timestamp column gets the instant (COPY kept the wall time)', async () => {
    await runPsql(
      postgres,
      'DROP TABLE IF EXISTS pt_pass.stamps; CREATE TABLE pt_pass.stamps (id INT, ts TIMESTAMP)',
    );
    const path = join(work, 'stamps.csv');
    writeFileSync(path, 'id,ts\n1,2020-01-01 10:00:00+05:30\n2,2020-06-01 23:30:00-02:00\n');
    const { cli, events } = await runPipeline([
      { id: 'stamps', path, writer: toPostgres('pt_pass', 'stamps') },
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(readPaths(events)['load-stamps']).toMatch(/^typed: column ts is TIMESTAMP WITH TIME ZONE/);
    expect(await runPsql(postgres, 'SELECT id, ts FROM pt_pass.stamps ORDER BY id')).toBe(
      '1|2020-01-01 04:30:00\n2|2020-06-02 01:30:00\n',
    );
  }, 120_000);

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

  it('a malformed record late in the file fails the extractor with its line, and the streaming writer commits nothing', async () => {
    const before = await resetEventsBad();
    const { cli, events } = await runPipeline([
      { id: 'torn', path: tornCsv, writer: toPostgres('pt_pass', 'events_bad'), columns: true },
    ]);
    expect(cli.code).toBe(1);
    const failed = (step: string) =>
      String(pickEvents(events, 'step_failed').find((e) => e['step_id'] === step)?.['error']);
    expect(failed('read-torn')).toContain(`${tornCsv}:${tornLine}: 13 fields, expected 12`);
    expect(failed('load-torn')).toContain("input step 'read-torn' failed");
    expect(JSON.parse(cli.stdout).failed_step).toBe('read-torn');
    expect(await pgDigest('pt_pass.events_bad')).toBe(before);
  }, 120_000);

  it('a blank line stops the pass-through before the loader sees it, and the load takes the typed path', async () => {
    const { cli, events } = await runPipeline([
      { id: 'gappy', path: gappyCsv, writer: toPostgres('pt_pass', 'people') },
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(pickEvents(events, 'write.load_path').map((e) => [e['path'], e['reason']])).toEqual([
      ['pass_through', undefined],
      ['typed', 'the file has 1 blank line(s), which COPY would not skip'],
    ]);
    expect(await runPsql(postgres, 'SELECT * FROM pt_pass.people ORDER BY id')).toBe(
      '1|Ann, B|1.50\n2||\n3|x "q"|-2.00\n',
    );
  }, 120_000);

  it('local and --sandbox local sessions compare equal (PostgreSQL pass-through, MariaDB pass-through, typed)', async () => {
    const loads: Load[] = [
      {
        id: 'directors',
        path: 'data/directors.csv',
        writer: toPostgres('pt_pass', 'parity_directors', 'replace'),
      },
      { id: 'reviews', path: 'data/reviews.csv', writer: toMysql('reviews') },
      {
        id: 'latin',
        path: 'data/people.csv',
        writer: toMysql('people_latin'),
        extra: 'encoding: latin-1',
      },
    ];
    await runPsql(postgres, 'CREATE TABLE IF NOT EXISTS pt_pass.parity_directors (LIKE pt_pass.directors)');
    const local = await runPipeline(loads, [], true);
    const sandbox = await runPipeline(loads, ['--sandbox', 'local'], true);
    expect(local.cli.code, local.cli.stdout + local.cli.stderr).toBe(0);
    expect(sandbox.cli.code, sandbox.cli.stdout + sandbox.cli.stderr).toBe(0);
    expect(readPaths(sandbox.events)).toEqual({
      'load-directors': 'pass_through',
      'load-reviews': 'pass_through',
      'load-latin': "typed: the file is latin-1, and MySQL's latin1 is Windows-1252",
    });
    const compared = await runLogsCompare(local.session, sandbox.session);
    expect(compared.equal, compared.output).toBe(true);
  }, 120_000);
});
