// Ctrl-C and the run timeout on a local run: a long DuckDB statement is interrupted, the session is
// complete and says why. Real CLI process, real signal.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUST_EXIST_FILES } from '../../src/core/index.js';
import { OSIRIS_BIN, createProject, findOnlySession, runOsiris } from '../support/run-osiris.js';

const SLOW = `oml_version: "0.1.0"
name: slow
steps:
  - id: count-a-lot
    component: duckdb.processor
    mode: transform
    needs: []
    config: { query: "SELECT count(*) AS n FROM range(50000000000)" }
`;

function readStatus(logs: string) {
  const session = findOnlySession(logs);
  for (const f of MUST_EXIST_FILES) expect(existsSync(join(session, f)), f).toBe(true);
  return JSON.parse(readFileSync(join(session, 'status.json'), 'utf8'));
}

describe('interrupting a local run', () => {
  it('Ctrl-C exits 130 within seconds with status interrupted', async () => {
    const project = createProject({ 'slow.yaml': SLOW });
    const child = spawn(process.execPath, [OSIRIS_BIN, 'run', 'slow.yaml'], {
      cwd: project,
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1500));
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(readStatus(join(project, 'logs'))).toMatchObject({
      ok: false,
      exit_code: 130,
      failed_step: 'count-a-lot',
      error: { code: 'interrupted' },
    });
  });

  it('--timeout stops a long statement with error code timeout (exit 1)', async () => {
    const project = createProject({ 'slow.yaml': SLOW });
    const started = Date.now();
    const result = await runOsiris(['run', 'slow.yaml', '--timeout', '1'], { cwd: project });
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readStatus(join(project, 'logs'))).toMatchObject({
      ok: false,
      exit_code: 1,
      error: { code: 'timeout', message: 'run exceeded its timeout of 1000 ms' },
    });
  });
});
