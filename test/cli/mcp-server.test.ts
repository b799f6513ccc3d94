// `osiris mcp` driven as an agent drives it: the built bin/osiris.mjs started by the MCP SDK's Client over
// stdio, against the real MariaDB the suite starts (movies data). Discover, a refused save with a positioned
// diagnostic, validate, fix and save, compile, run in process and in a local sandbox, read the session;
// bad arguments for every tool, escaping paths, and canary passwords that never reach any tool result.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSecretForms } from '../../src/core/mask.js';
import { MOVIES_TABLES, runMysqlCli } from '../db/db-test-kit.js';
import { readDbServers } from '../support/read-db-servers.js';
import { OSIRIS_BIN, REPO_ROOT, createProject, runOsiris } from '../support/run-osiris.js';
import { createTempDir } from '../support/temp-dirs.js';

const CANARY = 'Mcp-Canary-7Hq+/=&x!';
const DOWN_CANARY = 'Down#Canary?41&=/+ü';
const { mariadb } = readDbServers();
const SECRET_FORMS = [CANARY, DOWN_CANARY, mariadb.password].flatMap(listSecretForms);

const TOOLS = [
  'osiris_connections_list',
  'osiris_connections_doctor',
  'osiris_discover',
  'osiris_components_list',
  'osiris_component_show',
  'osiris_oml_schema',
  'osiris_oml_validate',
  'osiris_oml_save',
  'osiris_compile',
  'osiris_run',
  'osiris_logs_list',
  'osiris_logs_show',
];

// The canary user's password comes from .env, the unreachable one's is a literal in the connections file.
const CONNECTIONS = `connections:
  mysql:
    movies:
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: mcp_canary
      password: \${MCP_CANARY_PASSWORD}
      database: movies
    down:
      host: 127.0.0.1
      port: 1
      user: app
      password: ${JSON.stringify(DOWN_CANARY)}
      database: movies
`;

const PIPELINE = (mode: string): string => `oml_version: "0.1.0"
name: MCP movies
steps:
  - id: extract-movies
    component: mysql.extractor
    mode: ${mode}
    config:
      connection: "@mysql.movies"
      query: SELECT id, title FROM movies ORDER BY id
  - id: write-csv
    component: filesystem.csv_writer
    mode: write
    config:
      path: output/movies.csv
`;

type Result = Awaited<ReturnType<Client['callTool']>>;
interface ToolResult {
  isError?: boolean;
  text: string;
  json: Record<string, unknown>;
}

let project: string;
let client: Client;
const transcript: string[] = [];
const protocolErrors: Error[] = [];
const env: Record<string, string> = {};

/** Call a tool; the whole result goes into the transcript the canary scan reads. */
async function call(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  const result: Result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  transcript.push(JSON.stringify(result));
  const content = result.content as Array<{ type: string; text?: string }>;
  return {
    ...(result.isError ? { isError: true } : {}),
    text: content.map((c) => c.text ?? '').join('\n'),
    json: result.structuredContent as Record<string, unknown>,
  };
}

/** The same command through the CLI with --json, parsed. */
async function runCliJson(args: string[]): Promise<unknown> {
  const r = await runOsiris([...args, '--json'], { cwd: project, env });
  transcript.push(r.stdout, r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

beforeAll(async () => {
  const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  await runMysqlCli(
    mariadb,
    `CREATE USER IF NOT EXISTS 'mcp_canary'@'%' IDENTIFIED BY ${quote(CANARY)};
     ALTER USER 'mcp_canary'@'%' IDENTIFIED BY ${quote(CANARY)};
     GRANT SELECT ON movies.* TO 'mcp_canary'@'%';`,
  );
  project = createProject({
    'osiris_connections.yaml': CONNECTIONS,
    '.env': `MCP_CANARY_PASSWORD=${CANARY}\n`,
    'data/people.csv': 'id,name\n1,ana\n2,bo\n',
  });
  const outside = createTempDir('osiris-mcp-outside-');
  writeFileSync(join(outside, 'secret.yaml'), PIPELINE('read'));
  symlinkSync(outside, join(project, 'linked-out'));
  mkdirSync(join(project, 'pipelines'));
  Object.assign(env, {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    MYSQL_HOST: mariadb.host,
    MYSQL_PORT: String(mariadb.port),
  });
  client = new Client({ name: 'osiris-test-agent', version: '1.0.0' });
  // a stray write on the server's stdout (anything not JSON-RPC) surfaces here
  client.onerror = (error) => protocolErrors.push(error);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [OSIRIS_BIN, 'mcp'],
    cwd: project,
    env,
    stderr: 'pipe',
  });
  // the server's stderr is scanned for secrets too
  transport.stderr?.on('data', (d: Buffer) => transcript.push(d.toString()));
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
});

describe('osiris mcp over stdio', () => {
  it('lists the 12 tools, each with an object input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(20);
    }
  });

  it('discovers the movies database on the real MariaDB', async () => {
    const r = await call('osiris_discover', { target: '@mysql.movies', sample: 2 });
    expect(r.isError).toBeUndefined();
    expect(r.json.ok).toBe(true);
    const tables = r.json.tables as Array<{ name: string; primary_key: string[]; sample: unknown[] }>;
    for (const { table, key } of MOVIES_TABLES) {
      const found = tables.find((t) => t.name === table);
      expect(found?.primary_key).toEqual(key);
      expect(found?.sample.length).toBeLessThanOrEqual(2);
    }
    expect(r.text).toContain('@mysql.movies');
  });

  it('refuses to save a pipeline with a mistake, with a diagnostic at line:col; validate shows it too', async () => {
    const saved = await call('osiris_oml_save', { path: 'pipelines/movies.yaml', text: PIPELINE('raed') });
    expect(saved.isError).toBe(true);
    expect(saved.text).toMatch(/^error \[oml_invalid\]: pipelines\/movies\.yaml:6:11: .*mode/);
    expect(existsSync(join(project, 'pipelines', 'movies.yaml'))).toBe(false);

    const checked = await call('osiris_oml_validate', {
      text: PIPELINE('raed'),
      path: 'pipelines/movies.yaml',
    });
    expect(checked.isError).toBeUndefined();
    expect(checked.json.ok).toBe(false);
    const [first] = checked.json.diagnostics as Array<{
      position: { line: number; col: number };
      message: string;
    }>;
    expect(first?.position).toMatchObject({ file: 'pipelines/movies.yaml', line: 6, col: 11 });
    expect(checked.text).toContain('pipelines/movies.yaml:6:11');
  });

  it('saves the fixed pipeline, never overwriting without overwrite: true', async () => {
    const saved = await call('osiris_oml_save', { path: 'pipelines/movies.yaml', text: PIPELINE('read') });
    expect(saved.json).toMatchObject({ ok: true, file: 'pipelines/movies.yaml' });
    expect(readFileSync(join(project, 'pipelines', 'movies.yaml'), 'utf8')).toBe(PIPELINE('read'));
    const again = await call('osiris_oml_save', {
      path: 'pipelines/movies.yaml',
      text: `${PIPELINE('read')}# v2\n`,
    });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('overwrite: true');
    expect(readFileSync(join(project, 'pipelines', 'movies.yaml'), 'utf8')).toBe(PIPELINE('read'));
    const replaced = await call('osiris_oml_save', {
      path: 'pipelines/movies.yaml',
      text: `${PIPELINE('read')}# v2\n`,
      overwrite: true,
    });
    expect(replaced.json.ok).toBe(true);
    expect(readFileSync(join(project, 'pipelines', 'movies.yaml'), 'utf8')).toContain('# v2');
    const valid = await call('osiris_oml_validate', { path: 'pipelines/movies.yaml' });
    expect(valid.json).toEqual({ ok: true, file: 'pipelines/movies.yaml', diagnostics: [] });
  });

  it('compiles: the same JSON object as `osiris compile --json`', async () => {
    const r = await call('osiris_compile', { path: 'pipelines/movies.yaml' });
    expect(r.json).toMatchObject({ ok: true, pipeline_id: 'mcp-movies', steps: 2 });
    expect(existsSync(join(project, r.json.manifest_path as string))).toBe(true);
    expect(await runCliJson(['compile', 'pipelines/movies.yaml'])).toEqual(r.json);
  });

  it('runs in process and in a local sandbox; the sessions read back with osiris_logs_show', async () => {
    const local = await call('osiris_run', { path: 'pipelines/movies.yaml' });
    expect(local.json).toMatchObject({ ok: true, steps_completed: 2, steps_total: 2, adapter: 'local' });
    const rows = readFileSync(join(project, 'output', 'movies.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(rows[0]).toBe('id,title');
    expect(local.json.rows_written).toBe(rows.length - 1);

    const sandboxed = await call('osiris_run', {
      path: 'pipelines/movies.yaml',
      sandbox: 'local',
      timeout_seconds: 120,
    });
    expect(sandboxed.json).toMatchObject({ ok: true, steps_completed: 2, rows_written: rows.length - 1 });
    expect(sandboxed.json.adapter).not.toBe('local');
    expect(sandboxed.json.session_dir).toMatch(/^logs\/run_\d+$/);

    const shown = await call('osiris_logs_show', { session: sandboxed.json.session_id as string });
    expect(shown.json).toMatchObject({ session_id: sandboxed.json.session_id, status: { ok: true } });
    expect((shown.json.steps as Array<{ status: string }>).map((s) => s.status)).toEqual([
      'success',
      'success',
    ]);
    expect(await runCliJson(['logs', 'show', sandboxed.json.session_id as string])).toEqual(shown.json);
    const listed = await call('osiris_logs_list');
    expect((listed.json.sessions as unknown[]).length).toBe(2);
    expect(await runCliJson(['logs', 'list'])).toEqual(listed.json);
  });

  it('returns a failed run as a result (masked error), and bounds a run by timeout_seconds', async () => {
    const down = PIPELINE('read').replace('@mysql.movies', '@mysql.down').replace('MCP movies', 'MCP down');
    await call('osiris_oml_save', { path: 'pipelines/down.yaml', text: down });
    const failed = await call('osiris_run', { path: 'pipelines/down.yaml' });
    expect(failed.isError).toBeUndefined();
    expect(failed.json).toMatchObject({
      ok: false,
      failed_step: 'extract-movies',
      error: { code: 'connection_error' },
    });
    expect(failed.text).toMatch(/^✗ mcp-down: failed at step extract-movies \[connection_error\]/);

    const slow = PIPELINE('read').replace(
      'SELECT id, title FROM movies ORDER BY id',
      'SELECT SLEEP(20) AS s',
    );
    await call('osiris_oml_save', {
      path: 'pipelines/slow.yaml',
      text: slow.replace('MCP movies', 'MCP slow'),
    });
    const started = Date.now();
    const timedOut = await call('osiris_run', { path: 'pipelines/slow.yaml', timeout_seconds: 1 });
    expect(timedOut.json).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('interrupts a run whose call the client cancels; the session says so', async () => {
    const cancel = new AbortController();
    const pending = client.callTool(
      { name: 'osiris_run', arguments: { path: 'pipelines/slow.yaml' } },
      undefined,
      {
        signal: cancel.signal,
      },
    );
    await new Promise((r) => setTimeout(r, 1500));
    cancel.abort();
    await expect(pending).rejects.toThrow();
    let status: Record<string, unknown> | null = null;
    for (let i = 0; i < 60 && status === null; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const newest = await call('osiris_logs_show');
      const s = newest.json.status as Record<string, unknown> | null;
      if (s?.pipeline_id === 'mcp-slow' && s.ok === false && s.error !== undefined) status = s;
    }
    expect(status).toMatchObject({ ok: false, error: { code: 'interrupted' } });
  });

  it('answers the inspection tools as the CLI --json commands do', async () => {
    expect(await runCliJson(['connections', 'list'])).toEqual((await call('osiris_connections_list')).json);
    expect(await runCliJson(['components', 'list'])).toEqual((await call('osiris_components_list')).json);
    const shown = await call('osiris_component_show', { name: 'mysql.extractor' });
    expect(await runCliJson(['components', 'show', 'mysql.extractor'])).toEqual(shown.json);
    const doctor = await call('osiris_connections_doctor', { timeout_seconds: 5 });
    expect(doctor.json.ok).toBe(false);
    const entries = doctor.json.connections as Array<{
      connection: string;
      ok: boolean;
      error?: { message: string };
    }>;
    expect(entries.find((e) => e.connection === '@mysql.movies')?.ok).toBe(true);
    expect(entries.find((e) => e.connection === '@mysql.down')?.error?.message).toBeTruthy();
    const schema = await call('osiris_oml_schema');
    expect(schema.json.oml_version).toBe('0.1.0');
    expect(schema.json.reference).toContain('# OML reference');
    expect((schema.json.components as Array<{ name: string }>).map((c) => c.name)).toContain(
      'mysql.extractor',
    );
  });

  it('serves the OML reference and component pages as resources', async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain('osiris://docs/oml-reference');
    expect(uris).toContain('osiris://components/mysql.extractor');
    const page = await client.readResource({ uri: 'osiris://components/mysql.extractor' });
    expect(JSON.stringify(page.contents)).toContain('mysql.extractor');
    await expect(client.readResource({ uri: 'osiris://nope' })).rejects.toThrow(/unknown resource/);
  });

  it('turns bad arguments for every tool into tool errors and keeps answering', async () => {
    const bad: Record<string, Record<string, unknown>> = {
      osiris_connections_list: { bogus: 1 },
      osiris_connections_doctor: { connection: 'mysql-without-at' },
      osiris_discover: { target: '@mysql.nosuch' },
      osiris_components_list: { verbose: true },
      osiris_component_show: { name: 'no.such_component' },
      osiris_oml_schema: { version: '2' },
      osiris_oml_validate: {},
      osiris_oml_save: { path: 'pipelines/x.txt', text: PIPELINE('read') },
      osiris_compile: { path: 'pipelines/missing.yaml' },
      osiris_run: { path: 'pipelines/movies.yaml', sandbox: 'docker' },
      osiris_logs_list: { limit: 'x' },
      osiris_logs_show: { session: 'run_1' },
    };
    expect(Object.keys(bad).sort()).toEqual([...TOOLS].sort());
    for (const [name, args] of Object.entries(bad)) {
      const r = await call(name, args);
      expect(r.isError, name).toBe(true);
      expect(r.text, name).toMatch(/^error \[(usage|connection_error|oml_invalid|compile_error)\]: \S/);
      expect(r.json.error, name).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    const unknown = await call('osiris_nope');
    expect(unknown.text).toContain('unknown tool');
    expect((await client.listTools()).tools).toHaveLength(12);
  });

  it('refuses paths escaping the project: ../x, an absolute path outside, a symlink out', async () => {
    const escapes = ['../x.yaml', '/etc/passwd', 'linked-out/secret.yaml', 'pipelines/../../x.yaml'];
    for (const path of escapes) {
      for (const [name, args] of [
        ['osiris_oml_validate', { path }],
        ['osiris_compile', { path }],
        ['osiris_run', { path }],
      ] as const) {
        const r = await call(name, args);
        expect(r.isError, `${name} ${path}`).toBe(true);
        expect(r.text, `${name} ${path}`).toMatch(
          /^error \[usage\]: path '.*' is outside the project directory/,
        );
      }
    }
    const save = await call('osiris_oml_save', { path: 'linked-out/new.yaml', text: PIPELINE('read') });
    expect(save.text).toContain('outside the project directory');
    expect(existsSync(join(project, 'linked-out', 'new.yaml'))).toBe(false);
    const csv = await call('osiris_discover', { target: '../people.csv' });
    expect(csv.text).toContain('outside the project directory');
    const session = await call('osiris_logs_show', { session: '/tmp' });
    expect(session.text).toContain('outside the project directory');
    // inside the project, absolute paths and relative ones work
    const inside = await call('osiris_discover', { target: join(project, 'data', 'people.csv') });
    expect(inside.json).toMatchObject({ ok: true, rows: 2 });
    expect(inside.json.file).toMatch(/[\\/]data[\\/]people\.csv$/);
  });

  it('writes nothing but the protocol on stdout', () => {
    expect(protocolErrors).toEqual([]);
  });

  it('never shows a connection password in any tool result', () => {
    const all = transcript.join('\n');
    // not vacuous: the transcript holds the masked connection listing and the doctor's failure
    expect(all).toContain('***MASKED***');
    expect(all.length).toBeGreaterThan(10_000);
    // any case, as test/remote/secret-canaries.test.ts scans
    const lower = all.toLowerCase();
    for (const form of SECRET_FORMS) expect(lower).not.toContain(form.toLowerCase());
  });

  it('keeps the MCP SDK out of every other command: only the mcp action imports it', () => {
    // the static import closure of the CLI entry is what `osiris --version` (or any command) loads
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*"(\.\/[^"]+)"/g))
        visit(resolve(dirname(file), m[1] as string));
    };
    const entry = join(REPO_ROOT, 'dist', 'osiris.mjs');
    visit(entry);
    expect(seen.size).toBeGreaterThan(1);
    for (const file of seen) expect(readFileSync(file, 'utf8'), file).not.toContain('StdioServerTransport');
    const lazy = /import\("\.\/(chunks\/mcp-server-[^"]+)"\)/.exec(readFileSync(entry, 'utf8'));
    expect(readFileSync(join(REPO_ROOT, 'dist', lazy?.[1] ?? 'missing'), 'utf8')).toContain(
      'StdioServerTransport',
    );
  });

  it('prints the client configuration', async () => {
    const r = await runOsiris(['mcp', '--print-config'], { cwd: project, env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      mcpServers: { osiris: { command: OSIRIS_BIN, args: ['mcp'], cwd: project } },
    });
  });
});
