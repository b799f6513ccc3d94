// The working-directory model, through the real CLI (child processes, no server): the project directory
// (nearest osiris.yaml above the pipeline, or above the current directory, or --project-dir) anchors
// logs/, build/, .osiris/, .env and the connections file; flag paths are relative to the current directory.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runOsiris } from '../support/run-osiris.js';
import { createTempDir } from '../support/temp-dirs.js';

const CONNECTIONS = `connections:
  postgres:
    wh:
      host: \${PG_HOST}
      password: \${PG_PASSWORD}
`;

let parent: string;
let demo: string;

beforeAll(async () => {
  parent = createTempDir('osiris-project-dir-');
  const init = await runOsiris(['init', 'demo'], { cwd: parent });
  expect(init.code, init.stderr).toBe(0);
  demo = join(parent, 'demo');
  writeFileSync(join(demo, 'osiris_connections.yaml'), CONNECTIONS);
  writeFileSync(join(demo, '.env'), 'PG_HOST=db.internal\n');
});

describe('the project directory anchors everything a command reads and writes', () => {
  it('a run from the parent directory writes logs/ and build/ in the project and nothing beside it', async () => {
    const run = await runOsiris(['run', 'demo/pipelines/example.yaml'], { cwd: parent });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/session run_\d+: demo\/logs\/run_\d+/);
    expect(readdirSync(parent)).toEqual(['demo']);
    expect(readdirSync(join(demo, 'logs')).filter((n) => n.startsWith('run_'))).toHaveLength(1);
    expect(existsSync(join(demo, 'build', 'example'))).toBe(true);
    expect(existsSync(join(demo, 'output', 'people.csv'))).toBe(true);
  });

  it('logs list from a subdirectory of the project, or with -C from outside, sees that session', async () => {
    mkdirSync(join(demo, 'pipelines', 'nested'), { recursive: true });
    for (const [cwd, args] of [
      [join(demo, 'pipelines', 'nested'), ['logs', 'list', '--json']],
      [parent, ['-C', 'demo', 'logs', 'list', '--json']],
      [parent, ['logs', 'list', '--json', '--project-dir', 'demo']],
    ] as const) {
      const list = await runOsiris([...args], { cwd });
      expect(list.code, list.stderr).toBe(0);
      const sessions = (JSON.parse(list.stdout) as { sessions: Array<{ pipeline_id: string }> }).sessions;
      expect(sessions.map((s) => s.pipeline_id)).toContain('example');
    }
    // outside the project (no osiris.yaml above) the current directory is the root: nothing there
    const outside = await runOsiris(['logs', 'list', '--json'], { cwd: parent });
    expect(JSON.parse(outside.stdout)).toEqual({ sessions: [] });
  });

  it('.env and osiris_connections.yaml come from the project, found from the parent with -C', async () => {
    const list = await runOsiris(['-C', 'demo', 'connections', 'list', '--json'], { cwd: parent });
    expect(list.code, list.stderr).toBe(0);
    const [wh] = (JSON.parse(list.stdout) as { connections: Array<Record<string, unknown>> }).connections;
    expect(wh).toMatchObject({ alias: 'wh', fields: { host: 'db.internal' } });
  });

  it('connections list shows a password whose variable is unset as unset, not as ***MASKED***', async () => {
    const text = await runOsiris(['connections', 'list'], { cwd: demo });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      '@postgres.wh  {"host":"db.internal","password":"<unset: PG_PASSWORD>"}  (unset: PG_PASSWORD)',
    );
    const set = await runOsiris(['connections', 'list'], { cwd: demo, env: { PG_PASSWORD: 'pw-123' } });
    expect(set.stdout).toContain('"password":"***MASKED***"');
    expect(set.stdout).not.toContain('unset');
  });

  it('compile from the parent records the pointer in the project; run --last-compile finds it from inside', async () => {
    const compile = await runOsiris(['compile', 'demo/pipelines/example.yaml', '--json'], { cwd: parent });
    expect(compile.code, compile.stderr).toBe(0);
    expect(existsSync(join(demo, '.osiris', 'last_compile.json'))).toBe(true);
    expect(existsSync(join(parent, '.osiris'))).toBe(false);
    const last = await runOsiris(['run', '--last-compile', '--json'], { cwd: join(demo, 'pipelines') });
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ ok: true, pipeline_id: 'example' });
  });

  it('paths typed in flags are relative to the current directory', async () => {
    const run = await runOsiris(['run', 'demo/pipelines/example.yaml', '--logs-dir', 'my-logs', '--json'], {
      cwd: parent,
    });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { session_dir: string }).session_dir).toMatch(/^my-logs\/run_\d+$/);
    expect(readdirSync(join(parent, 'my-logs'))).toHaveLength(1);
  });

  it('--project-dir that is not a directory is a usage error before anything is written', async () => {
    const bad = await runOsiris(['-C', 'nowhere', 'run', 'demo/pipelines/example.yaml'], { cwd: parent });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error [usage]: --project-dir nowhere: not a directory');
    expect(existsSync(join(parent, 'nowhere'))).toBe(false);
  });
});

describe('outside a project', () => {
  it('the current directory holds logs/ and build/, data paths resolve against the pipeline file', async () => {
    const cwd = createTempDir('osiris-no-project-');
    mkdirSync(join(cwd, 'flows', 'data'), { recursive: true });
    writeFileSync(join(cwd, 'flows', 'data', 'in.csv'), 'id\n1\n2\n');
    writeFileSync(
      join(cwd, 'flows', 'copy.yaml'),
      `oml_version: "0.1.0"
name: copy
steps:
  - id: read
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
  - id: write
    component: filesystem.csv_writer
    mode: write
    config: { path: out.csv }
`,
    );
    const run = await runOsiris(['run', 'flows/copy.yaml'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(cwd).sort()).toEqual(['build', 'flows', 'logs']);
    expect(existsSync(join(cwd, 'flows', 'out.csv'))).toBe(true);
  });
});
