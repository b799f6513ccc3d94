// Bad input through the real CLI: each case gets its exact message and exit code; run-time failures
// also leave a complete session with status.json ok:false and the failing step named.
// Runs against real files and the real DuckDB data plane; database steps fail before any server is
// contacted (connection resolution) or against a closed port, so no server is needed here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUST_EXIST_FILES } from '../../src/core/index.js';
import {
  createLineValidators,
  createProject,
  findOnlySession,
  readLines,
  runOsiris,
} from '../support/run-osiris.js';

const HEAD = 'oml_version: "0.1.0"\nname: x\nsteps:\n';
const READ_A =
  '  - id: a\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: data/a.csv }\n';
const step = (id: string, component: string, mode: string, config: string, extra = '') =>
  `  - id: ${id}\n    component: ${component}\n    mode: ${mode}\n${extra}    config: ${config}\n`;

const BASE_FILES = {
  'data/a.csv': 'id,name\n1,a\n',
  'conn.yaml':
    'connections:\n  postgres:\n    main:\n      host: 127.0.0.1\n      port: 1\n      user: u\n      password: ${PG_PASSWORD}\n      database: d\n',
  'conn-bad.yaml': 'connections:\n  postgres:\n    main: [\n',
};

interface Case {
  name: string;
  oml?: string;
  args?: string[];
  env?: Record<string, string>;
  code: number;
  stderr: string;
  /** Run-time failure: the step named in status.json and the error code. */
  failed?: { step: string | undefined; code: string };
}

const COMPILE_CASES: Case[] = [
  {
    name: 'malformed YAML',
    oml:
      HEAD +
      '  - id: a\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: "data/a.csv }\n',
    code: 2,
    stderr:
      'error [oml_invalid]: p.yaml:7:21: unclosed double quote: the value that starts here never ends (add the closing " on this line)',
  },
  {
    name: 'missing oml_version',
    oml: 'name: x\nsteps:\n' + READ_A,
    code: 2,
    stderr: `error [oml_invalid]: p.yaml:1:1: oml_version: missing required key 'oml_version' (expected oml_version: "0.1.0")`,
  },
  {
    name: 'wrong oml_version',
    oml: 'oml_version: "9.9"\nname: x\nsteps:\n' + READ_A,
    code: 2,
    stderr: `error [oml_invalid]: p.yaml:1:14: oml_version: unsupported oml_version '9.9' (expected the string "0.1.0")`,
  },
  {
    name: 'missing name',
    oml: 'oml_version: "0.1.0"\nsteps:\n' + READ_A,
    code: 2,
    stderr: `error [oml_invalid]: p.yaml:1:1: name: missing required key 'name' (a non-empty string naming the pipeline)`,
  },
  {
    name: 'empty steps',
    oml: HEAD.replace('steps:\n', 'steps: []\n'),
    code: 2,
    stderr: `error [oml_invalid]: p.yaml:3:8: steps: steps must not be empty (expected at least one step)`,
  },
  {
    name: 'unknown component',
    oml: HEAD + step('a', 'filesystem.csv_extracter', 'read', '{ path: data/a.csv }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:5:16: steps[0] (id: a).component: unknown component 'filesystem.csv_extracter' (known components: duckdb.processor, filesystem.csv_extractor, filesystem.csv_writer, filesystem.parquet_writer, mysql.extractor, mysql.writer, postgres.extractor, postgres.writer, supabase.extractor, supabase.writer); did you mean 'filesystem.csv_extractor'?`,
  },
  {
    name: 'mode not allowed',
    oml: HEAD + step('a', 'filesystem.csv_extractor', 'write', '{ path: data/a.csv }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:6:11: steps[0] (id: a).mode: mode 'write' is not allowed for component 'filesystem.csv_extractor' (allowed: read)`,
  },
  {
    name: 'duplicate id',
    oml: HEAD + READ_A + READ_A,
    code: 2,
    stderr: `error [compile_error]: p.yaml:8:9: steps[1] (id: a).id: duplicate step id 'a' (already used by steps[0] at line 4)`,
  },
  {
    name: 'invalid id',
    oml: HEAD + step('Bad_Id', 'filesystem.csv_extractor', 'read', '{ path: data/a.csv }'),
    code: 2,
    stderr: `error [oml_invalid]: p.yaml:4:9: steps[0] (id: Bad_Id).id: invalid step id 'Bad_Id' (expected lowercase letters, digits, '_' and '-', starting with a letter or digit: ^[a-z0-9][a-z0-9_-]*$)`,
  },
  {
    name: 'unknown needs',
    oml:
      HEAD +
      READ_A +
      step('b', 'duckdb.processor', 'transform', '{ query: "select 1" }', '    needs: [aa]\n'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:11:13: steps[1] (id: b).needs[0]: unknown step 'aa' (known steps: a)`,
  },
  {
    name: 'cycle',
    oml:
      HEAD +
      READ_A +
      step('b', 'duckdb.processor', 'transform', '{ query: "select 1" }', '    needs: [c]\n') +
      step('c', 'duckdb.processor', 'transform', '{ query: "select 1" }', '    needs: [b]\n'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:11:5: steps[1] (id: b).needs: cycle in needs: b -> c -> b (a -> b means a needs b)`,
  },
  {
    name: 'read step with needs',
    oml:
      HEAD +
      READ_A +
      step('b', 'filesystem.csv_extractor', 'read', '{ path: data/a.csv }', '    needs: [a]\n'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:11:5: steps[1] (id: b).needs: a read step takes no inputs (remove needs, or use mode transform to read other steps)`,
  },
  {
    name: 'unknown config key',
    oml: HEAD + step('a', 'filesystem.csv_extractor', 'read', '{ path: data/a.csv, delimter: ";" }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:7:33: steps[0] (id: a).config.delimter: unknown config key 'delimter' (expected one of: columns, connection, delimiter, encoding, escape, header, null_string, parse_dates, path, quote); did you mean 'delimiter'?`,
  },
  {
    name: 'missing config key',
    oml: HEAD + step('a', 'filesystem.csv_extractor', 'read', '{ header: true }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:7:5: steps[0] (id: a).config.path: missing required config key 'path' (required keys: path)`,
  },
  {
    name: 'inline secret',
    oml:
      HEAD +
      step(
        'a',
        'postgres.extractor',
        'read',
        '{ connection: "@postgres.main", table: t, password: hunter22 }',
      ),
    code: 2,
    stderr: `error [compile_error]: p.yaml:7:55: steps[0] (id: a).config.password: inline secret 'password' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@postgres.<alias>"`,
  },
  {
    name: 'replace without primary_key',
    oml:
      HEAD +
      READ_A +
      step(
        'b',
        'postgres.writer',
        'write',
        '{ connection: "@postgres.main", table: t, write_mode: replace }',
      ),
    code: 2,
    stderr: `error [compile_error]: p.yaml:11:67: steps[1] (id: b).config.write_mode: write_mode 'replace' requires primary_key (a column name or a non-empty list of column names)`,
  },
  {
    name: 'connection family mismatch',
    oml: HEAD + step('a', 'postgres.extractor', 'read', '{ connection: "@mysql.main", table: t }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:7:27: steps[0] (id: a).config.connection: connection family mismatch: '@mysql.main' is a mysql connection, but component 'postgres.extractor' accepts: postgres`,
  },
  {
    name: 'unresolved param',
    oml: HEAD.replace('steps:\n', 'params:\n  day: {}\nsteps:\n') + READ_A,
    code: 2,
    stderr: `error [compile_error]: p.yaml:4:3: params.day: unresolved param 'day' (it has no default: pass --param day=VALUE or set OSIRIS_PARAM_DAY)`,
  },
  {
    name: 'unknown param reference',
    oml: HEAD + step('a', 'filesystem.csv_extractor', 'read', '{ path: "${params.dir}/a.csv" }'),
    code: 2,
    stderr: `error [compile_error]: p.yaml:7:21: steps[0] (id: a).config.path: unknown param 'dir' in '\${params.dir}' (the pipeline declares no params)`,
  },
  {
    name: '--param for an undeclared param',
    oml: HEAD + READ_A,
    args: ['--param', 'zzz=1'],
    code: 2,
    stderr: `error [compile_error]: --param zzz: unknown param 'zzz' (the pipeline declares no params)`,
  },
  {
    name: 'param of the wrong type',
    oml: HEAD.replace('steps:\n', 'params:\n  n: { default: 5 }\nsteps:\n') + READ_A,
    args: ['--param', 'n=five'],
    code: 2,
    stderr: `error [compile_error]: p.yaml:4:3: params.n: --param n=five: expected a number (the default 5 is a number)`,
  },
  {
    name: 'pipeline file missing',
    args: ['nope.yaml'],
    code: 2,
    stderr: `error [usage]: cannot read pipeline file nope.yaml: ENOENT`,
  },
  {
    name: '--param without =',
    oml: HEAD + READ_A,
    args: ['--param', 'novalue'],
    code: 2,
    stderr: `error [usage]: --param expects NAME=VALUE, got 'novalue'`,
  },
  {
    name: 'bad --timeout',
    oml: HEAD + READ_A,
    args: ['--timeout', 'soon'],
    code: 2,
    stderr: `error [usage]: --timeout expects seconds (>= 0), got 'soon'`,
  },
  {
    name: 'bad --threads',
    oml: HEAD + READ_A,
    args: ['--threads', '0'],
    code: 2,
    stderr: `error [usage]: --threads expects a positive whole number, got '0'`,
  },
  {
    name: 'bad --memory-limit',
    oml: HEAD + READ_A,
    args: ['--memory-limit', 'lots'],
    code: 2,
    stderr: `error [usage]: --memory-limit expects a size such as 512MB, 1.5GB or 2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got 'lots'`,
  },
  {
    name: 'zero --memory-limit',
    oml: HEAD + READ_A,
    args: ['--memory-limit', '0MB'],
    code: 2,
    stderr: `error [usage]: --memory-limit expects a size such as 512MB, 1.5GB or 2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got '0MB'`,
  },
  {
    name: 'unknown option',
    oml: HEAD + READ_A,
    args: ['--frobnicate'],
    code: 2,
    stderr: `error: unknown option '--frobnicate'`,
  },
  {
    name: '--last-compile with nothing compiled',
    args: ['--last-compile'],
    code: 2,
    stderr: `error [usage]: no previous compile in <project> (.osiris/last_compile.json is missing); run 'osiris compile FILE' first`,
  },
];

const RUN_CASES: Case[] = [
  {
    name: 'bad connections file',
    oml: HEAD + step('a', 'postgres.extractor', 'read', '{ connection: "@postgres.main", table: t }'),
    args: ['--connections', 'conn-bad.yaml'],
    code: 1,
    stderr:
      "failed at step a [config_error]: <project>/conn-bad.yaml:3:11: invalid YAML: unclosed '[': the list that starts here has no closing ']' (close it, or indent its continuation lines deeper than its key)",
    failed: { step: 'a', code: 'config_error' },
  },
  {
    name: 'missing env var',
    oml: HEAD + step('a', 'postgres.extractor', 'read', '{ connection: "@postgres.main", table: t }'),
    args: ['--connections', 'conn.yaml'],
    code: 1,
    stderr: `failed at step a [connection_error]: connection @postgres.main: field 'password' needs environment variable PG_PASSWORD, which is not set (set it in the environment or in .env)`,
    failed: { step: 'a', code: 'connection_error' },
  },
  {
    name: 'unknown alias',
    oml: HEAD + step('a', 'postgres.extractor', 'read', '{ connection: "@postgres.nope", table: t }'),
    args: ['--connections', 'conn.yaml'],
    env: { PG_PASSWORD: 'Canary-Pw-4242' },
    code: 1,
    stderr:
      'failed at step a [connection_error]: connection @postgres.nope not found in <project>/conn.yaml; postgres aliases: main',
    failed: { step: 'a', code: 'connection_error' },
  },
  {
    name: 'unreachable database (masked)',
    oml: HEAD + step('a', 'postgres.extractor', 'read', '{ connection: "@postgres.main", table: t }'),
    args: ['--connections', 'conn.yaml'],
    env: { PG_PASSWORD: 'Canary-Pw-4242' },
    code: 1,
    stderr:
      'failed at step a [connection_error]: step a: connecting to @postgres.main (127.0.0.1:1/d) failed: connect ECONNREFUSED 127.0.0.1:1 [ECONNREFUSED]; check the host and port, and that the server is running and reachable',
    failed: { step: 'a', code: 'connection_error' },
  },
  {
    name: 'unreadable CSV',
    oml: HEAD + step('a', 'filesystem.csv_extractor', 'read', '{ path: data/missing.csv }'),
    code: 1,
    stderr: `failed at step a [io_error]: a: cannot read CSV file <project>/data/missing.csv (config.path "data/missing.csv"): ENOENT: no such file or directory, access '<project>/data/missing.csv'`,
    failed: { step: 'a', code: 'io_error' },
  },
  {
    name: 'SQL error in a transform',
    oml: HEAD + READ_A + step('b', 'duckdb.processor', 'transform', '{ query: "SELECT nme FROM input_df" }'),
    code: 1,
    stderr:
      'failed at step b [sql_error]: b: Binder Error: Referenced column "nme" not found in FROM clause!\nCandidate bindings: "name"\n\nLINE 1: SELECT nme FROM input_df\n               ^',
    failed: { step: 'b', code: 'sql_error' },
  },
  {
    name: 'output path not writable',
    oml: HEAD + READ_A + step('b', 'filesystem.csv_writer', 'write', '{ path: data/a.csv/out.csv }'),
    code: 1,
    stderr: `failed at step b [io_error]: b: cannot create directory <project>/data/a.csv for <project>/data/a.csv/out.csv (config.path): EEXIST: file already exists, mkdir '<project>/data/a.csv'`,
    failed: { step: 'b', code: 'io_error' },
  },
  {
    name: 'writer reading a writer',
    oml:
      HEAD +
      READ_A +
      step('b', 'filesystem.csv_writer', 'write', '{ path: out/b.csv }') +
      step('c', 'filesystem.csv_writer', 'write', '{ path: out/c.csv }'),
    code: 1,
    stderr: `failed at step c [input_error]: step c: input 'b': step 'b' left no output table (is it a writer?)`,
    failed: { step: 'c', code: 'input_error' },
  },
];

async function runCase(c: Case) {
  const project = createProject({ ...BASE_FILES, ...(c.oml ? { 'p.yaml': c.oml } : {}) });
  const args =
    c.args?.[0]?.endsWith('.yaml') && !c.args[0].startsWith('conn')
      ? c.args
      : c.args?.[0] === '--last-compile'
        ? c.args
        : ['p.yaml', ...(c.args ?? [])];
  const result = await runOsiris(['run', ...args, '--logs-dir', 'logs'], {
    cwd: project,
    ...(c.env ? { env: c.env } : {}),
  });
  return { project, result, stderr: result.stderr.split(project).join('<project>').trimEnd() };
}

describe('bad input: compile and usage errors (exit 2, nothing run)', () => {
  it.each(COMPILE_CASES)('$name', async (c) => {
    const { project, result, stderr } = await runCase(c);
    expect(stderr).toBe(c.stderr);
    expect(result.code).toBe(c.code);
    expect(existsSync(join(project, 'logs'))).toBe(false);
  });
});

describe('bad input: run-time failures (exit 1, complete session)', () => {
  const validators = createLineValidators();
  it.each(RUN_CASES)('$name', async (c) => {
    const { project, result, stderr } = await runCase(c);
    expect(stderr).toContain(c.stderr);
    expect(result.code).toBe(1);
    const session = findOnlySession(join(project, 'logs'));
    for (const f of MUST_EXIST_FILES) expect(existsSync(join(session, f)), f).toBe(true);
    const status = JSON.parse(readFileSync(join(session, 'status.json'), 'utf8'));
    expect(status).toMatchObject({
      ok: false,
      status: 'failed',
      exit_code: 1,
      failed_step: c.failed?.step,
      error: { code: c.failed?.code },
    });
    const events = readLines(join(session, 'events.jsonl'));
    expect(events.filter((e) => e.event === 'step_failed').map((e) => e.step_id)).toEqual([c.failed?.step]);
    expect(events.at(-1)).toMatchObject({ event: 'run_end', status: 'failed', exit_code: 1 });
    expect(existsSync(join(session, 'artifacts', c.failed?.step ?? '', 'cleaned_config.json'))).toBe(true);
    for (const e of events) expect(validators.event(e)).toEqual([]);
    for (const m of readLines(join(session, 'metrics.jsonl'))) expect(validators.metric(m)).toEqual([]);
    // the canary password never reaches a file or a stream
    const all = [
      result.stdout,
      result.stderr,
      ...['events.jsonl', 'metrics.jsonl', 'osiris.log', 'debug.log', 'status.json'].map((f) =>
        readFileSync(join(session, f), 'utf8'),
      ),
    ].join('\n');
    expect(all).not.toContain('Canary-Pw-4242');
  });
});
