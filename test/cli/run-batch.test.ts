// `osiris run A.yaml B.yaml …` through the real CLI: each pipeline its own session, --parallel of them at
// once, one JSON object for the batch, exit 1 when any failed, 130 on Ctrl-C with every started session
// complete; locally and with --sandbox local (a child process per pipeline; the suite's temp-dir check sees none left).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OSIRIS_BIN, createProject, runOsiris } from '../support/run-osiris.js';

const rendered = (name: string, query: string) => `oml_version: "0.1.0"
name: ${name}
steps:
  - id: numbers
    component: duckdb.processor
    mode: transform
    needs: []
    config: { query: "${query}" }
  - id: write
    component: filesystem.csv_writer
    mode: write
    needs: [numbers]
    config: { path: out/${name}.csv }
`;

const FILES = {
  'a.yaml': rendered('a', 'SELECT range AS n FROM range(3)'),
  'b.yaml': rendered('b', 'SELECT range * 2 AS n FROM range(3)'),
  'c.yaml': rendered('c', 'SELECT n FROM no_such_table'),
  'd.yaml': rendered('d', 'SELECT 42 AS n'),
  'slow.yaml': rendered('slow', 'SELECT count(*) AS n FROM range(50000000000)'),
};

function listSessions(project: string): string[] {
  const logs = join(project, 'logs');
  return existsSync(logs) ? readdirSync(logs).filter((n) => n.startsWith('run_')) : [];
}

describe('osiris run with several pipelines', () => {
  it.each([[[]], [['--sandbox', 'local']]])(
    'runs each in its own session (%j), reports one object, exit 1 when one failed',
    async (extra) => {
      const project = createProject(FILES);
      const result = await runOsiris(
        ['run', 'a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', '--parallel', '2', '--json', ...extra],
        { cwd: project, timeoutMs: 120_000 },
      );
      expect(result.code, result.stderr).toBe(1);
      const batch = JSON.parse(result.stdout) as {
        ok: boolean;
        exit_code: number;
        pipelines: Record<string, unknown>[];
      };
      expect(batch).toMatchObject({ ok: false, exit_code: 1 });
      expect(batch.pipelines.map((p) => [p.file, p.status, p.pipeline_id])).toEqual([
        ['a.yaml', 'success', 'a'],
        ['b.yaml', 'success', 'b'],
        ['c.yaml', 'failed', 'c'],
        ['d.yaml', 'success', 'd'],
      ]);
      expect(batch.pipelines[2]).toMatchObject({ failed_step: 'numbers', error: { code: 'sql_error' } });
      const sessions = batch.pipelines.map((p) => p.session_dir as string);
      expect(new Set(sessions).size).toBe(4);
      expect(listSessions(project)).toHaveLength(4);
      for (const dir of sessions) expect(existsSync(join(project, dir, 'status.json')), dir).toBe(true);
      expect(readFileSync(join(project, 'out', 'b.csv'), 'utf8')).toBe('n\n0\n2\n4\n');
      if (extra.length > 0)
        expect(batch.pipelines[0]).toMatchObject({ adapter: 'remote', transport: 'local' });
    },
  );

  it('Ctrl-C interrupts the running pipelines (exit 130), starts no other, and leaves each started session complete', async () => {
    const project = createProject(FILES);
    const child = spawn(
      process.execPath,
      [OSIRIS_BIN, 'run', 'slow.yaml', 'a.yaml', 'd.yaml', '--parallel', '1', '--json'],
      { cwd: project, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const batch = JSON.parse(stdout) as { exit_code: number; pipelines: Record<string, unknown>[] };
    expect(batch.exit_code).toBe(130);
    expect(batch.pipelines[0]).toMatchObject({
      file: 'slow.yaml',
      status: 'failed',
      error: { code: 'interrupted' },
    });
    expect(batch.pipelines.slice(1)).toEqual([
      {
        file: 'a.yaml',
        ok: false,
        error: { code: 'interrupted', message: 'not started: the batch was interrupted' },
      },
      {
        file: 'd.yaml',
        ok: false,
        error: { code: 'interrupted', message: 'not started: the batch was interrupted' },
      },
    ]);
    expect(listSessions(project)).toHaveLength(1);
    const session = join(project, batch.pipelines[0]?.session_dir as string);
    expect(JSON.parse(readFileSync(join(session, 'status.json'), 'utf8'))).toMatchObject({ exit_code: 130 });
  });
});
