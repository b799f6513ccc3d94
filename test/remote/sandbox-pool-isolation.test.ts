// The sandbox pool against both real transports (the local one; e2b through the offline fake with the real
// SDK): a sandbox returned after a clean run is wiped before the next run sees it — no file of the earlier
// run is left, no variable of its processes is set (the worker itself is killed by the run's collect) — and the cap holds: with all
// sandboxes lent, an acquire waits for a release; a `fresh` acquire never gets a used sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSource } from '../../src/remote/sandbox-pool.js';
import { createSandboxPool } from '../../src/remote/sandbox-pool.js';
import type { Sandbox, SandboxRequest, Transport } from '../../src/remote/transport.js';
import { createE2bTransport } from '../../src/remote/transports/e2b-transport.js';
import { createLocalTransport } from '../../src/remote/transports/local-transport.js';
import { startFakeE2b } from '../support/fake-e2b/index.js';
import type { FakeE2b } from '../support/fake-e2b/index.js';
import { REPO_ROOT } from '../support/run-osiris.js';

const REQUEST: SandboxRequest = {
  cpu: 1,
  memoryMb: 512,
  timeoutMs: 60_000,
  template: 'osiris-test',
  metadata: { osiris_session: 'run_pool' },
};
const SECRET = 'pool-canary-Zq81/+=';

/** Run a shell command in the sandbox; its exit code and stdout. */
async function runShell(sandbox: Sandbox, script: string, env: Record<string, string> = {}) {
  let stdout = '';
  const proc = await sandbox.start(['sh', '-c', script], env, {
    onStdout: (t) => (stdout += t),
    onStderr: () => undefined,
  });
  // a short command may be gone before its stdin closes (envd: process not found)
  await proc.closeStdin().catch(() => undefined);
  return { code: await proc.exited, stdout };
}

let fake: FakeE2b;
beforeAll(async () => {
  fake = await startFakeE2b({ templates: { 'osiris-test': REPO_ROOT } });
});
afterAll(async () => {
  await fake?.close();
});

/** Name, transport, the request's template, and what the work directory keeps (its dependencies). */
const TRANSPORTS: Array<[string, () => Transport, string | undefined, string[]]> = [
  // the local template links the repository's node_modules into the work directory
  ['local', () => createLocalTransport({ template: REPO_ROOT }), undefined, ['node_modules']],
  [
    'e2b (offline fake, real SDK)',
    () =>
      createE2bTransport({
        apiKey: fake.apiKey,
        apiUrl: fake.apiUrl,
        sandboxUrl: fake.sandboxUrl,
        createsPerSecond: 1000,
      }),
    // E2B templates keep node_modules in the home directory, outside the work directory
    'osiris-test',
    [],
  ],
];

describe.each(TRANSPORTS)('a pool of %s sandboxes', (_name, createTransport, template, kept) => {
  let pool: SandboxSource;
  const request = { ...REQUEST, template };

  it('wipes a returned sandbox: the next run finds no file or variable of the earlier one', async () => {
    pool = createSandboxPool(createTransport(), 1);
    const first = await pool.acquire(request);
    expect(first.reused).toBe(false);
    const box = first.sandbox;
    await box.upload([
      { path: 'secret.txt', data: SECRET },
      { path: 'project/out/result.csv', data: 'a\n1\n' },
      { path: '.work/data-plane.duckdb', data: 'not really a database' },
      { path: '.hidden', data: SECRET },
    ]);
    // a process of the run writes a file, with the secret in its environment
    const run = await runShell(
      box,
      'echo "$CANARY" > made.txt; mkdir -p deep/er && cp made.txt deep/er/; echo ok',
      {
        CANARY: SECRET,
      },
    );
    expect(run).toEqual({ code: 0, stdout: 'ok\n' });
    const released = await pool.release(first, true);
    expect(released.outcome).toBe('returned');

    const second = await pool.acquire(request);
    expect(second).toMatchObject({ reused: true, servedBefore: 1 });
    expect(second.sandbox.id).toBe(box.id);
    const look = await runShell(
      second.sandbox,
      'ls -A; echo "canary=${CANARY:-unset}"; grep -rl "pool-canary" . 2>/dev/null | grep -v "^./node_modules" || true',
    );
    expect(look.code).toBe(0);
    // only the dependencies stay (a template's node_modules, public packages)
    expect(look.stdout.split('\n').filter(Boolean)).toEqual([...kept, 'canary=unset']);
    await pool.release(second, false);
    await pool.close();
  }, 60_000);

  it('lends at most `size` sandboxes: an acquire waits for a release; a fresh acquire gets a new sandbox', async () => {
    pool = createSandboxPool(createTransport(), 1);
    const a = await pool.acquire(request);
    let waited: Sandbox | undefined;
    const pending = pool.acquire(request).then((lease) => (waited = lease.sandbox));
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toBeUndefined();
    await pool.release(a, true);
    await pending;
    expect(waited?.id).toBe(a.sandbox.id);
    const b = { sandbox: waited as Sandbox, reused: true, servedBefore: 1 };
    await pool.release(b, true);
    // an idle sandbox at the cap makes room for a fresh one: it is killed, a new one created
    const fresh = await pool.acquire(request, { fresh: true });
    expect(fresh.reused).toBe(false);
    expect(fresh.sandbox.id).not.toBe(a.sandbox.id);
    await expect(a.sandbox.upload([{ path: 'x', data: 'x' }])).rejects.toThrow();
    // a sandbox whose run did not end cleanly is killed, not returned
    expect((await pool.release(fresh, false)).outcome).toBe('killed');
    await pool.close();
    await expect(pool.acquire(request)).rejects.toMatchObject({ code: 'interrupted' });
  }, 60_000);
});
