// `osiris connections doctor` on filesystem connections (real CLI, no server): base_dir must exist and be a
// directory, relative to the project directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, runOsiris } from '../support/run-osiris.js';

describe('connections doctor on filesystem aliases', () => {
  it('passes a base_dir that is a directory, fails a missing one and a file, with exit 1', async () => {
    const project = createProject({
      'osiris_connections.yaml':
        'connections:\n  filesystem:\n    exports: { base_dir: ./data/exports }\n    missing: { base_dir: ./nope }\n    file: { base_dir: ./notes.txt }\n',
      'notes.txt': 'not a directory\n',
    });
    mkdirSync(join(project, 'data', 'exports'), { recursive: true });
    const result = await runOsiris(['connections', 'doctor', '--json'], { cwd: project });
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; connections: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    const byName = Object.fromEntries(report.connections.map((c) => [c.connection, c]));
    expect(byName['@filesystem.exports']).toMatchObject({ ok: true });
    expect(byName['@filesystem.missing']).toMatchObject({
      ok: false,
      error: {
        code: 'connection_error',
        message: expect.stringContaining("base_dir './nope' does not exist"),
      },
    });
    expect(byName['@filesystem.file']).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('is not a directory') },
    });
    const one = await runOsiris(['connections', 'doctor', '@filesystem.exports'], { cwd: project });
    expect(one.code, one.stderr).toBe(0);
  });
});
