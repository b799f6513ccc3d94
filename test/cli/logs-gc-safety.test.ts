// Issue 8 §4: `logs gc` deletes only real, finished Osiris sessions. Reproductions (all deleted before):
// `--keep ''` deleted everything, `logs/run_notes/README` was deleted, `--keep 0` during a run deleted the
// live session. Also: `logs list`, `logs gc` and `logs html --all` list corrupt or dangling entries as
// corrupt and go on. Real CLI, real sessions, real DuckDB.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSIRIS_BIN, createProject, runOsiris } from '../support/run-osiris.js';

const FAST = `oml_version: "0.1.0"
name: fast
steps:
  - id: e
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
  - id: w
    component: filesystem.csv_writer
    mode: write
    needs: [e]
    config: { path: out/copy.csv }
`;
const SLOW = `oml_version: "0.1.0"
name: slow
steps:
  - id: e
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
  - id: t_slow
    component: duckdb.processor
    mode: transform
    needs: [e]
    config: { query: "SELECT sum(hash(i)) AS h FROM range(1000000000000) t(i)" }
`;

const sessionsIn = (logs: string): string[] =>
  readdirSync(logs)
    .filter((n) => /^run_\d+$/.test(n))
    .sort();

async function runFast(project: string): Promise<string> {
  const before = new Set(existsSync(join(project, 'logs')) ? sessionsIn(join(project, 'logs')) : []);
  const result = await runOsiris(['run', 'fast.yaml'], { cwd: project });
  expect(result.code, result.stderr).toBe(0);
  const added = sessionsIn(join(project, 'logs')).filter((n) => !before.has(n));
  expect(added).toHaveLength(1);
  return added[0] as string;
}

async function gcJson(project: string, args: string[]) {
  const result = await runOsiris(['logs', 'gc', ...args, '--json'], { cwd: project });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    removed: string[];
    running: string[];
    corrupt: Array<{ session_id: string; problem: string }>;
    swept: Array<{ session_id: string; removed: string[] }>;
    dry_run: boolean;
  };
}

describe('logs gc safety', () => {
  let project: string;
  beforeAll(() => {
    project = createProject({
      'fast.yaml': FAST,
      'slow.yaml': SLOW,
      'data/in.csv': 'id,name\n1,a\n2,b\n',
    });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('refuses --keep values that are not whole numbers (exit 2) and deletes nothing', async () => {
    const session = await runFast(project);
    for (const keep of ['', '-1', '1.5', 'abc', '1e3', ' 2', '0x1']) {
      const result = await runOsiris(['logs', 'gc', `--keep=${keep}`], { cwd: project });
      expect(result.code, `--keep '${keep}'`).toBe(2);
      expect(result.stderr).toMatch(/--keep expects a whole number of sessions to keep/);
      expect(existsSync(join(project, 'logs', session)), `--keep '${keep}'`).toBe(true);
    }
  });

  it('--dry-run lists what it would delete and deletes nothing', async () => {
    const logs = join(project, 'logs');
    const all = sessionsIn(logs);
    const text = await runOsiris(['logs', 'gc', '--keep', '0', '--dry-run'], { cwd: project });
    expect(text.code).toBe(0);
    for (const s of all) expect(text.stdout).toContain(`would remove ${s}`);
    expect(text.stdout).toContain(`would remove ${all.length} session(s)`);
    const json = await gcJson(project, ['--keep', '0', '--dry-run']);
    expect(json.dry_run).toBe(true);
    expect(json.removed.sort()).toEqual(all);
    expect(sessionsIn(logs)).toEqual(all);
  });

  it('deletes only real sessions: corrupt, dangling and foreign entries are listed as corrupt and kept', async () => {
    const logs = join(project, 'logs');
    const real = await runFast(project);
    const damaged = await runFast(project);
    // not sessions at all
    mkdirSync(join(logs, 'run_notes'));
    writeFileSync(join(logs, 'run_notes', 'README'), 'my notes\n');
    mkdirSync(join(logs, 'run_123'));
    writeFileSync(join(logs, 'run_123', 'README'), 'a directory that only looks like a session\n');
    writeFileSync(join(logs, 'run_124'), 'a file\n');
    symlinkSync(join(project, 'nowhere'), join(logs, 'run_125'));
    // a session copied under another name: its id does not match
    cpSync(join(logs, real), join(logs, 'run_126'), { recursive: true });
    // a session whose status.json is torn
    writeFileSync(join(logs, damaged, 'status.json'), '{"session_id": "run_');
    // a session with a file missing
    const missing = await runFast(project);
    rmSync(join(logs, missing, 'events.jsonl'));
    // a session with a log file missing: still readable (listed with its status), but gc keeps it
    const partial = await runFast(project);
    rmSync(join(logs, partial, 'debug.log'));

    const list = await runOsiris(['logs', 'list', '--json'], { cwd: project });
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout).sessions as Array<{
      session_id: string;
      status: string;
      problem?: string;
    }>;
    const byId = new Map(listed.map((s) => [s.session_id, s]));
    expect(byId.has('run_notes')).toBe(false);
    expect(byId.get(real)?.status).toBe('success');
    expect(byId.get('run_123')).toMatchObject({
      status: 'corrupt',
      problem: expect.stringMatching(/lacks events\.jsonl/),
    });
    expect(byId.get('run_124')).toMatchObject({ status: 'corrupt', problem: 'is not a directory' });
    expect(byId.get('run_125')).toMatchObject({ status: 'corrupt', problem: 'is a dangling symlink' });
    expect(byId.get('run_126')).toMatchObject({
      status: 'corrupt',
      problem: `status.json belongs to ${real}`,
    });
    expect(byId.get(damaged)).toMatchObject({ status: 'corrupt', problem: 'status.json is not valid JSON' });
    expect(byId.get(missing)).toMatchObject({ status: 'corrupt' });
    expect(byId.get(partial)).toMatchObject({ status: 'success' });
    const text = await runOsiris(['logs', 'list'], { cwd: project });
    expect(text.stdout).toMatch(/run_125\s+corrupt\s+.*is a dangling symlink/);

    const html = await runOsiris(['logs', 'html', '--all', '--json'], { cwd: project });
    expect(html.code, html.stderr).toBe(0);
    const written = JSON.parse(html.stdout) as {
      reports: Array<{ session_id: string }>;
      corrupt: Array<{ session_id: string }>;
    };
    expect(written.reports.map((r) => r.session_id)).toContain(real);
    expect(written.corrupt.map((c) => c.session_id)).toEqual(
      expect.arrayContaining(['run_123', 'run_124', 'run_125', 'run_126', damaged, missing]),
    );
    expect(readFileSync(join(logs, 'index.html'), 'utf8')).toContain('is a dangling symlink');

    const gc = await gcJson(project, ['--keep', '0']);
    expect(gc.removed).toContain(real);
    expect(gc.removed).not.toEqual(expect.arrayContaining(['run_123']));
    expect(gc.corrupt.map((c) => c.session_id).sort()).toEqual(
      ['run_123', 'run_124', 'run_125', 'run_126', damaged, missing, partial].sort(),
    );
    expect(gc.corrupt.find((c) => c.session_id === partial)?.problem).toBe('lacks debug.log');
    expect(existsSync(join(logs, real))).toBe(false);
    expect(readFileSync(join(logs, 'run_notes', 'README'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(logs, 'run_123', 'README'), 'utf8')).toMatch(/looks like a session/);
    for (const kept of ['run_124', 'run_126', damaged, missing, partial])
      expect(existsSync(join(logs, kept)), kept).toBe(true);
    // cleared so that the next test starts from real sessions only
    for (const name of readdirSync(logs)) rmSync(join(logs, name), { recursive: true, force: true });
  });

  it('--keep 0 during a run keeps the live session; once its process is killed (-9) gc sweeps and may delete it', async () => {
    const logs = join(project, 'logs');
    const finished = await runFast(project);
    const child = spawn(process.execPath, [OSIRIS_BIN, 'run', 'slow.yaml'], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      // wait until the slow step runs: its session holds a lock and a DuckDB data plane under .work
      let live: string | undefined;
      for (let i = 0; i < 600 && !live; i++) {
        await new Promise((r) => setTimeout(r, 50));
        live = sessionsIn(logs).find((n) => {
          const events = join(logs, n, 'events.jsonl');
          return (
            n !== finished &&
            existsSync(events) &&
            readFileSync(events, 'utf8').includes('"event":"artifact_created","step_id":"t_slow"')
          );
        });
      }
      expect(live, 'the slow run started').toBeDefined();
      const session = join(logs, live as string);
      expect(existsSync(join(session, '.osiris.lock'))).toBe(true);

      const during = await gcJson(project, ['--keep', '0']);
      expect(during.removed).toEqual([finished]);
      expect(during.running).toEqual([live]);
      expect(existsSync(session)).toBe(true);
      const listed = JSON.parse((await runOsiris(['logs', 'list', '--json'], { cwd: project })).stdout);
      expect(listed.sessions[0]).toMatchObject({ session_id: live, status: 'running' });

      child.kill('SIGKILL');
      await exited;
      expect(existsSync(join(session, '.work')), 'the killed run left its data plane').toBe(true);
      const after = JSON.parse((await runOsiris(['logs', 'list', '--json'], { cwd: project })).stdout);
      expect(after.sessions[0]).toMatchObject({ session_id: live, status: 'incomplete' });

      const sweep = await gcJson(project, ['--keep', '1']);
      expect(sweep.removed).toEqual([]);
      expect(sweep.swept).toEqual([{ session_id: live, removed: [join(session, '.work')] }]);
      expect(existsSync(join(session, '.work'))).toBe(false);
      expect(existsSync(join(session, '.osiris.lock'))).toBe(false);
      expect(existsSync(join(session, 'events.jsonl')), 'the record of the run stays').toBe(true);

      expect((await gcJson(project, ['--keep', '0'])).removed).toEqual([live]);
      expect(sessionsIn(logs)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
