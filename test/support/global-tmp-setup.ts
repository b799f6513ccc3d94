// vitest globalSetup: the whole run gets a private temp directory (TMPDIR, inherited by every test
// worker and every CLI child), and the run fails if a test leaves anything in it. So no test depends on
// or pollutes the machine's /tmp (a `.osiris/` written there once made a later `run --last-compile` pick
// up a test pipeline), and a leak names its culprit.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'osiris-test-run-'));
  // the test database servers run as their own users (postgres): they must reach their data dirs inside
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    if (left.length === 0) return;
    // vitest reports a teardown error but still exits 0: set the exit code so the run fails.
    process.exitCode = 1;
    throw new Error(`tests left ${left.length} entries in their temp directory: ${left.sort().join(', ')}`);
  };
}
