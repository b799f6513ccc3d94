// Issue 8 sections 1 and 4 at the pipeline level, through the built CLI (`osiris run`, default memory
// limit and threads): a CSV whose last row holds one extra field fails the run with io_error and the
// line, and the writer's previous output stays as it was; 10,000 columns x 1 row go CSV -> CSV.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, findOnlySession, runOsiris } from '../support/run-osiris.js';

const PIPELINE = `oml_version: "0.1.0"
name: csv-copy
steps:
  - id: extract-orders
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/orders.csv }
  - id: write-orders
    component: filesystem.csv_writer
    mode: write
    config: { path: output/orders.csv }
`;

const projects: string[] = [];
afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function rowsOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i + 1},name${i + 1},${i + 1}.50`);
}

describe('CSV reproductions through osiris run', () => {
  it('a 500-row file whose last row has one extra field fails with io_error and line 501; the old output is untouched', async () => {
    const good = ['id,name,amount', ...rowsOf(500)].join('\n') + '\n';
    const bad = ['id,name,amount', ...rowsOf(499), '501,Smith, John,3.50'].join('\n') + '\n';
    const project = createProject({ 'p.yaml': PIPELINE, 'data/orders.csv': good });
    projects.push(project);
    const first = await runOsiris(['run', 'p.yaml', '--logs-dir', 'logs-1'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const previous = readFileSync(join(project, 'output', 'orders.csv'), 'utf8');
    expect(previous).toBe(good);

    writeFileSync(join(project, 'data', 'orders.csv'), bad);
    const second = await runOsiris(['run', 'p.yaml', '--logs-dir', 'logs-2'], { cwd: project });
    expect(second.code).toBe(1);
    const status = JSON.parse(
      readFileSync(join(findOnlySession(join(project, 'logs-2')), 'status.json'), 'utf8'),
    );
    expect(status).toMatchObject({
      status: 'failed',
      ok: false,
      exit_code: 1,
      failed_step: 'extract-orders',
      steps_completed: 0,
      rows_read: 0,
      rows_written: 0,
      error: { code: 'io_error' },
    });
    expect(status.error.message).toMatch(
      /data\/orders\.csv:501: 4 fields, expected 3 as the header on line 1; check config\.delimiter/,
    );
    expect(status.error.message).not.toMatch(/strict_mode|sample_size|ignore_errors|null_padding/);
    expect(second.stderr).toContain('orders.csv:501');
    // The writer never ran: the output of the good run is byte for byte what it was.
    expect(readFileSync(join(project, 'output', 'orders.csv'), 'utf8')).toBe(previous);
  }, 60_000);

  it('10,000 columns x 1 row: extracted and written back byte-identical under the default memory limit', async () => {
    const n = 10_000;
    const text =
      Array.from({ length: n }, (_, i) => `c${i}`).join(',') +
      '\n' +
      Array.from({ length: n }, (_, i) => String(i)).join(',') +
      '\n';
    const project = createProject({ 'p.yaml': PIPELINE, 'data/orders.csv': text });
    projects.push(project);
    const result = await runOsiris(['run', 'p.yaml', '--logs-dir', 'logs', '--json'], {
      cwd: project,
      timeoutMs: 90_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows_read: 1, rows_written: 1 });
    expect(readFileSync(join(project, 'output', 'orders.csv'), 'utf8')).toBe(text);
  }, 90_000);
});
