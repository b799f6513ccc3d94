// `osiris init` scaffolds a project whose example runs; `logs` commands read sessions, failed ones
// showing as failed. Real CLI, real files, real DuckDB.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir } from '../support/temp-dirs.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/cli/progress-display.js';
import { runOsiris } from '../support/run-osiris.js';

describe('osiris init + logs', () => {
  let project: string;
  beforeAll(async () => {
    const parent = createTempDir('osiris-init-');
    const init = await runOsiris(['init', 'proj'], { cwd: parent });
    expect(init.code).toBe(0);
    project = join(parent, 'proj');
  });

  it('scaffolds the project files and refuses to overwrite them', async () => {
    for (const f of [
      'osiris.yaml',
      'osiris_connections.yaml',
      '.env.example',
      '.gitignore',
      'pipelines/example.yaml',
    ]) {
      expect(existsSync(join(project, f)), f).toBe(true);
    }
    const again = await runOsiris(['init', '.'], { cwd: project });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already has osiris\.yaml, osiris_connections\.yaml/);
  });

  it('--logs-dir naming a file is a usage error, not an empty history', async () => {
    for (const args of [
      ['logs', 'list'],
      ['logs', 'last'],
      ['logs', 'gc'],
    ]) {
      const r = await runOsiris([...args, '--logs-dir', 'osiris.yaml'], { cwd: project });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(
        '--logs-dir osiris.yaml is not a directory (expected the logs directory of a project)',
      );
    }
    const absent = await runOsiris(['logs', 'list', '--logs-dir', 'no-logs-yet'], { cwd: project });
    expect(absent.code).toBe(0);
    expect(absent.stdout).toContain('no sessions in');
  });

  it('runs the scaffolded example, then lists, shows and reports a failed run as failed', async () => {
    const ok = await runOsiris(['run', 'pipelines/example.yaml', '--param', 'min_id=2'], { cwd: project });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(project, 'output/people.csv'), 'utf8')).toBe(
      'id,name,city\n2,Grace,New York\n3,Linus,Helsinki\n',
    );
    writeFileSync(
      join(project, 'pipelines/broken.yaml'),
      readFileSync(join(project, 'pipelines/example.yaml'), 'utf8').replace('WHERE id', 'WHERE idd'),
    );
    const failed = await runOsiris(['run', 'pipelines/broken.yaml'], { cwd: project });
    expect(failed.code).toBe(1);

    const list = JSON.parse((await runOsiris(['logs', 'list', '--json'], { cwd: project })).stdout);
    expect(list.sessions.map((s: { status: string }) => s.status)).toEqual(['failed', 'success']);
    const text = (await runOsiris(['logs', 'list'], { cwd: project })).stdout;
    expect(text).toMatch(/run_\d+\s+failed\s+example\s+local\s+1\/3\s+3\s+0\s+\d+ ms\s+filter-people/);

    const last = JSON.parse((await runOsiris(['logs', 'last', '--json'], { cwd: project })).stdout);
    expect(last.status).toMatchObject({
      ok: false,
      failed_step: 'filter-people',
      error: { code: 'sql_error' },
    });
    expect(last.steps.map((s: { status: string }) => s.status)).toEqual(['success', 'failed']);
    const shown = await runOsiris(['logs', 'show', list.sessions[1].session_id], { cwd: project });
    expect(shown.stdout).toMatch(/status\s+success/);
    const missing = await runOsiris(['logs', 'show', 'run_1'], { cwd: project });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error \[usage\]: no session 'run_1'/);

    const gc = JSON.parse(
      (await runOsiris(['logs', 'gc', '--keep', '1', '--json'], { cwd: project })).stdout,
    );
    expect(gc.removed).toEqual([list.sessions[1].session_id]);
  });
});

describe('progress display', () => {
  const events = [
    { kind: 'event' as const, line: { event: 'step_start', step_id: 'load' } },
    { kind: 'event' as const, line: { event: 'write.progress', step_id: 'load', rows_written: 500 } },
    {
      kind: 'event' as const,
      line: { event: 'step_complete', step_id: 'load', rows_processed: 1000, duration_ms: 20 },
    },
  ];

  it('prints plain lines without colour when not on a TTY', () => {
    let out = '';
    const show = createProgressDisplay(
      { write: (t) => (out += t), isTTY: false },
      { color: false, verbose: false, stepsTotal: 1 },
    );
    for (const e of events) show(e);
    expect(out).toBe('✓ [1/1] load  1,000 rows  20 ms  50,000 rows/s\n');
  });

  it('redraws one live line on a TTY and colours only when allowed', () => {
    let out = '';
    const show = createProgressDisplay(
      { write: (t) => (out += t), isTTY: true },
      { color: true, verbose: false, stepsTotal: 1 },
    );
    for (const e of events) show(e);
    expect(out).toContain('\r\x1b[2K');
    expect(out).toContain('\x1b[32m✓\x1b[0m [1/1] load');
  });
});
