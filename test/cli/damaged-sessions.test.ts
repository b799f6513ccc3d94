// A damaged session directory (a FIFO, a link to a device, lines that are not records) never hangs or
// crashes `logs show` / `logs html`: real CLI children, each killed after 20 s, on a real session copied
// and damaged by hand.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, runOsiris } from '../support/run-osiris.js';

const PIPELINE = [
  'oml_version: "0.1.0"',
  'name: damaged',
  'steps:',
  '  - { id: read, component: filesystem.csv_extractor, mode: read, config: { path: data/in.csv } }',
  '  - { id: write, component: filesystem.csv_writer, mode: write, needs: [read], config: { path: out.csv } }',
].join('\n');

let project: string;
let logs: string;
beforeAll(async () => {
  project = createProject({ 'data/in.csv': 'id\n1\n2\n', 'p.yaml': PIPELINE });
  const run = await runOsiris(['run', 'p.yaml'], { cwd: project });
  expect(run.code, run.stderr).toBe(0);
  logs = join(project, 'logs');
  const [session] = readdirSync(logs).filter((n) => n.startsWith('run_'));
  const damage = (id: string, how: (dir: string) => void): void => {
    const dir = join(logs, id);
    cpSync(join(logs, session as string), dir, { recursive: true });
    how(dir);
  };
  damage('run_9000000000001', (dir) => {
    rmSync(join(dir, 'events.jsonl'));
    execFileSync('mkfifo', [join(dir, 'events.jsonl')]);
  });
  damage('run_9000000000002', (dir) => {
    rmSync(join(dir, 'metrics.jsonl'));
    symlinkSync('/dev/zero', join(dir, 'metrics.jsonl'));
  });
  damage('run_9000000000003', (dir) => {
    appendFileSync(join(dir, 'events.jsonl'), 'null\n42\n');
    appendFileSync(join(dir, 'metrics.jsonl'), 'null\n');
  });
}, 60_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('damaged session files', () => {
  it.each([
    ['show', 'run_9000000000001', 'events.jsonl is not a regular file (a FIFO, a device or a directory)'],
    ['html', 'run_9000000000001', 'events.jsonl is not a regular file (a FIFO, a device or a directory)'],
    ['html', 'run_9000000000002', 'metrics.jsonl is not a regular file (a FIFO, a device or a directory)'],
  ])('logs %s %s: io_error naming the file, at once', async (command, id, message) => {
    const r = await runOsiris(['logs', command, id], { cwd: project, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('[io_error]');
    expect(r.stderr).toContain(message);
  });

  it('lines that are not records (null, 42) are skipped, never an internal error', async () => {
    for (const command of ['show', 'html']) {
      const r = await runOsiris(['logs', command, 'run_9000000000003'], { cwd: project, timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('internal');
    }
  });

  it('logs list reads past all of them', async () => {
    const r = await runOsiris(['logs', 'list'], { cwd: project, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run_9000000000001');
  });
});
