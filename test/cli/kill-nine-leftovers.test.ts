// Issue 8 §4: after `kill -9` of the host nothing large stays forever. A real `osiris run` child is
// killed with SIGKILL mid-write (local run: its `.work` DuckDB data plane and the writer's partial temp
// file stay behind) and mid-step in a local sandbox (the sandbox directory stays behind). A later run,
// or `logs gc`, removes exactly those leftovers and nothing else.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSIRIS_BIN, createProject, runOsiris } from '../support/run-osiris.js';

const WRITE_SLOWLY = `oml_version: "0.1.0"
name: big-write
steps:
  - id: e
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
  - id: gen
    component: duckdb.processor
    mode: transform
    needs: [e]
    config:
      query: "SELECT range AS i, 'row ' || range::VARCHAR AS s FROM range(3000000)"
  - id: out
    component: filesystem.csv_writer
    mode: write
    needs: [gen]
    # quoting all goes through the JS renderer: seconds of writing into the temp file
    config: { path: out/big.csv, quoting: all }
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
const FAST = `oml_version: "0.1.0"
name: fast
steps:
  - id: e
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
`;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startRun(project: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [OSIRIS_BIN, 'run', ...args], {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
    stdio: 'ignore',
  });
}

async function killNine(child: ChildProcess): Promise<void> {
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGKILL');
  await closed;
}

/** Processes whose current directory is inside `dir` (the sandbox worker runs there). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('leftovers of a host killed with SIGKILL', () => {
  let project: string;
  beforeAll(() => {
    project = createProject({
      'write.yaml': WRITE_SLOWLY,
      'slow.yaml': SLOW,
      'fast.yaml': FAST,
      'data/in.csv': 'id\n1\n2\n',
    });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('a later run removes the dead session’s .work and the partial output temp file, and nothing else', async () => {
    const logs = join(project, 'logs');
    const out = join(project, 'out');
    const child = startRun(project, ['write.yaml']);
    try {
      const temp = await waitFor('the writer’s temp file', () =>
        existsSync(out) ? readdirSync(out).find((n) => /^\.big\.csv\.\d+\.\d+\.tmp$/.test(n)) : undefined,
      );
      await killNine(child);
      const session = join(logs, readdirSync(logs).find((n) => /^run_\d+$/.test(n)) as string);
      expect(existsSync(join(session, '.work'))).toBe(true);
      expect(existsSync(join(session, '.osiris.lock'))).toBe(true);
      expect(existsSync(join(out, temp))).toBe(true);
      expect(temp).toContain(`.${child.pid}.`);
      // bystanders that only look alike must survive: another process's temp and a user's file
      writeFileSync(join(out, `.big.csv.${process.pid}.1.tmp`), 'a live writer of another run\n');
      writeFileSync(join(out, '.big.csv.bak'), 'mine\n');

      const later = await runOsiris(['run', 'fast.yaml'], { cwd: project });
      expect(later.code, later.stderr).toBe(0);
      expect(existsSync(join(session, '.work')), '.work of the dead session').toBe(false);
      expect(existsSync(join(out, temp)), 'partial output temp file').toBe(false);
      expect(existsSync(join(session, '.osiris.lock'))).toBe(false);
      expect(readdirSync(out).sort()).toEqual(['.big.csv.bak', `.big.csv.${process.pid}.1.tmp`].sort());
      expect(existsSync(join(session, 'events.jsonl')), 'the session record stays').toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('logs gc removes a local-sandbox directory whose host was killed; the orphaned worker stops', async () => {
    const tmp = join(project, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const child = startRun(project, ['slow.yaml', '--sandbox', 'local'], env);
    try {
      const sandbox = await waitFor('the sandbox worker running the slow step', () => {
        const dir = readdirSync(tmp).find((n) => n.startsWith('osiris-sandbox-'));
        if (!dir) return undefined;
        const events = join(project, 'logs');
        const running = readdirSync(events).some((s) => {
          const file = join(events, s, 'events.jsonl');
          return (
            existsSync(file) &&
            readFileSync(file, 'utf8').includes('"event":"artifact_created","step_id":"t_slow"')
          );
        });
        return running ? join(tmp, dir) : undefined;
      });
      expect(existsSync(join(sandbox, '.osiris.lock'))).toBe(true);
      // a live host's sandbox is never swept
      const early = await runOsiris(['logs', 'gc', '--keep', '10', '--json'], { cwd: project, env });
      expect(JSON.parse(early.stdout).sandboxes_removed).toEqual([]);
      expect(existsSync(sandbox)).toBe(true);

      await killNine(child);
      expect(existsSync(sandbox), 'the killed host could not remove its sandbox').toBe(true);
      // the worker notices its host is gone (stdin closed, stdout broken) and exits
      await waitFor('the orphaned worker to exit', () => processesIn(sandbox).length === 0, 20_000);

      const gc = await runOsiris(['logs', 'gc', '--keep', '10', '--json'], { cwd: project, env });
      expect(gc.code, gc.stderr).toBe(0);
      expect(JSON.parse(gc.stdout).sandboxes_removed).toEqual([sandbox]);
      expect(existsSync(sandbox)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
