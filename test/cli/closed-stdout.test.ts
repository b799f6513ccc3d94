// `osiris logs list | head -1`: the reader of stdout goes away before the command writes. The real
// built CLI runs as a child whose stdout pipe the test closes at once; it must end quietly with the
// command's own exit code (0 here), never an unhandled EPIPE stack.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OSIRIS_BIN } from '../support/run-osiris.js';

const dir = mkdtempSync(join(tmpdir(), 'osiris-closed-stdout-'));
writeFileSync(join(dir, 'osiris.yaml'), 'logs_dir: logs\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OSIRIS_BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout', () => {
  for (const args of [
    ['components', 'list'],
    ['components', 'list', '--json'],
    ['logs', 'list'],
    ['--help'],
  ]) {
    it(`osiris ${args.join(' ')}: exit 0, nothing on stderr`, async () => {
      const { code, stderr } = await runWithClosedStdout(args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  }
});
