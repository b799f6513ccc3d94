// One contract suite for every transport (local; e2b through the offline fake with the real SDK in
// non-debug mode), plus transport-specific and fault tests.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OsirisError } from '../../src/core/errors.js';
import type { SandboxRequest, Transport } from '../../src/remote/transport.js';
import { createE2bTransport } from '../../src/remote/transports/e2b-transport.js';
import { createLocalTransport } from '../../src/remote/transports/local-transport.js';
import { startFakeE2b } from '../support/fake-e2b/index.js';
import type { FakeE2b } from '../support/fake-e2b/index.js';
import {
  CANARY_NAME,
  CANARY_VALUE,
  ECHO_PROGRAM,
  createLineCollector,
  describeTransportContract,
} from './transport-contract-suite.js';

const REQUEST: SandboxRequest = {
  cpu: 1,
  memoryMb: 512,
  timeoutMs: 60_000,
  template: 'osiris-test',
  metadata: { osiris_session: 'run_faults' },
};
const quiet = { onStdout: () => undefined, onStderr: () => undefined };

describeTransportContract('local', async () => ({
  transport: createLocalTransport(),
  template: undefined,
  isGone: async (sandbox) => !existsSync(sandbox.workDir),
}));

describeTransportContract('e2b (offline fake, real SDK)', async () => {
  const fake = await startFakeE2b();
  return {
    // no create pacing here: the contract's timing tests create sandboxes back to back
    transport: createE2bTransport({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      sandboxUrl: fake.sandboxUrl,
      createsPerSecond: 1000,
    }),
    template: 'osiris-test',
    isGone: async () => fake.stats.alive() === 0,
    afterCreate(_sandbox, request) {
      const body = fake.stats.lastCreateBody as Record<string, unknown>;
      expect(body.templateID).toBe('osiris-test');
      expect(body.timeout).toBe(request.timeoutMs / 1000);
      expect(body.metadata).toEqual({
        ...request.metadata,
        osiris_cpu: String(request.cpu),
        osiris_memory_mb: String(request.memoryMb),
      });
    },
    afterStart(sandbox, env) {
      const start = fake.stats.envdRequests.starts.at(-1);
      expect(start?.sandboxId).toBe(sandbox.id);
      expect(start?.envs).toEqual(env);
      expect(start?.cwd).toBe(sandbox.workDir);
      expect(start?.stdin).toBe(true);
      expect(start?.timeoutMs).toBeUndefined(); // timeoutMs: 0 → no Connect deadline
    },
    afterKeepAlive(sandbox, timeoutMs) {
      expect(fake.stats.timeoutCalls.at(-1)).toEqual({ sandboxId: sandbox.id, timeout: timeoutMs / 1000 });
    },
    close: () => fake.close(),
  };
});

describe('local transport specifics', () => {
  const transport = createLocalTransport();

  it('gives processes only the allowlist, HOME = the sandbox, and the given env', async () => {
    process.env[CANARY_NAME] = CANARY_VALUE;
    const sandbox = await transport.create(REQUEST);
    try {
      const out = createLineCollector();
      const proc = await sandbox.start(
        ['node', '-e', ECHO_PROGRAM],
        { ONLY_THIS: '1' },
        {
          onStdout: (c) => out.onChunk(c),
          onStderr: () => undefined,
        },
      );
      await proc.write('{"id":1,"cmd":"env"}\n');
      await vi.waitFor(() => expect(out.lines.length).toBeGreaterThan(0), { timeout: 10_000 });
      const reply = JSON.parse(out.lines[0] as string) as { env: Record<string, string>; cwd: string };
      const allowed = ['PATH', 'LANG', 'TZ', 'HOME', 'TMPDIR', 'ONLY_THIS'];
      expect(Object.keys(reply.env).filter((k) => !allowed.includes(k))).toEqual([]);
      expect(reply.env.HOME).toBe(sandbox.workDir);
      expect(reply.cwd).toBe(sandbox.workDir);
      await proc.closeStdin();
      expect(await proc.exited).toBe(7);
    } finally {
      await sandbox.kill();
      delete process.env[CANARY_NAME];
    }
  });

  it.runIf(process.platform === 'linux')(
    'kills the whole process group, grandchildren included',
    async () => {
      const sandbox = await transport.create(REQUEST);
      const out = createLineCollector();
      const proc = await sandbox.start(
        ['sh', '-c', 'sleep 300 & echo $!; wait'],
        {},
        {
          onStdout: (c) => out.onChunk(c),
          onStderr: () => undefined,
        },
      );
      await vi.waitFor(() => expect(out.lines.length).toBe(1), { timeout: 5_000 });
      const grandchild = Number(out.lines[0]);
      expect(isRunning(grandchild)).toBe(true);
      await sandbox.kill();
      expect(await proc.exited).toBeNull();
      await vi.waitFor(() => expect(isRunning(grandchild)).toBe(false), { timeout: 5_000 });
    },
  );

  it('fails clearly for a command that does not exist', async () => {
    const sandbox = await transport.create(REQUEST);
    try {
      const error = await sandbox.start(['osiris-no-such-binary'], {}, quiet).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OsirisError);
      expect((error as OsirisError).message).toContain('osiris-no-such-binary');
    } finally {
      await sandbox.kill();
    }
  });

  it('removes the sandbox at its timeout unless renewed, killing its processes', async () => {
    const sandbox = await transport.create({ ...REQUEST, timeoutMs: 300 });
    const proc = await sandbox.start(['node', '-e', 'setInterval(() => {}, 1000)'], {}, quiet);
    await sandbox.keepAlive(1_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(sandbox.workDir)).toBe(true);
    expect(await proc.exited).toBeNull();
    await vi.waitFor(() => expect(existsSync(sandbox.workDir)).toBe(false), { timeout: 5_000 });
  });
});

describe('e2b transport against the fake: faults and requests', () => {
  let fake: FakeE2b;
  let transport: Transport;
  beforeAll(async () => {
    fake = await startFakeE2b();
    transport = createE2bTransport({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      sandboxUrl: fake.sandboxUrl,
      createRetry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 },
      createsPerSecond: 1000,
    });
  });
  afterEach(() => {
    fake.faults.reset();
    expect(fake.stats.alive()).toBe(0);
  });
  afterAll(() => fake.close());

  it('retries a 429 create (SDK Retry-After handling) and then succeeds', async () => {
    const attempts = fake.stats.createAttempts;
    fake.faults.failCreate(429, 2, { retryAfterS: 0 });
    const sandbox = await transport.create(REQUEST);
    expect(fake.stats.createAttempts - attempts).toBe(3);
    await sandbox.kill();
  });

  it('retries a create the service refused for now (500, 503) and then succeeds', async () => {
    const attempts = fake.stats.createAttempts;
    const created = fake.stats.created;
    fake.faults.failCreate(500, 1);
    const first = await transport.create(REQUEST);
    fake.faults.failCreate(503, 2);
    const second = await transport.create(REQUEST);
    expect(fake.stats.createAttempts - attempts).toBe(5);
    expect(fake.stats.created - created).toBe(2);
    await first.kill();
    await second.kill();
  });

  it('spaces sandbox creates to its create rate (a batch stays within the provider limit)', async () => {
    const paced = createE2bTransport({
      apiKey: fake.apiKey,
      apiUrl: fake.apiUrl,
      sandboxUrl: fake.sandboxUrl,
      createsPerSecond: 5,
    });
    const started = performance.now();
    const sandboxes = await Promise.all([1, 2, 3, 4].map(() => paced.create(REQUEST)));
    const elapsed = performance.now() - started;
    // four creates at 5 per second: the last one starts 600 ms after the first
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(3000);
    await Promise.all(sandboxes.map((s) => s.kill()));
  });

  it('reports a create refused on every attempt (500) as a clear OsirisError and leaves nothing alive', async () => {
    const attempts = fake.stats.createAttempts;
    fake.faults.failCreate(500, 3);
    const error = await transport.create(REQUEST).catch((e: unknown) => e);
    expect(fake.stats.createAttempts - attempts).toBe(3);
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).code).toBe('connection_error');
    expect((error as OsirisError).message).toMatch(/creating the sandbox \(3 attempts\) failed: 500/);
    expect((error as OsirisError).message).not.toContain(fake.apiKey);
  });

  it('reports a wrong API key as config_error without echoing the key', async () => {
    const wrongKey = 'e2b_wrong_key_do_not_print_4242';
    const bad = createE2bTransport({ apiKey: wrongKey, apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl });
    const error = await bad.create(REQUEST).catch((e: unknown) => e);
    expect((error as OsirisError).code).toBe('config_error');
    expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toContain(
      wrongKey,
    );
  });

  it('resolves exited with null promptly when the process stream is dropped', async () => {
    const sandbox = await transport.create(REQUEST);
    try {
      fake.faults.dropStreamAfterMs(200);
      const proc = await sandbox.start(
        ['node', '-e', 'setInterval(() => console.log("tick"), 50)'],
        {},
        quiet,
      );
      const started = Date.now();
      expect(await proc.exited).toBeNull();
      expect(Date.now() - started).toBeLessThan(3_000);
      const write = await proc.write('x\n').then(
        () => undefined,
        (e: unknown) => e,
      );
      // envd keeps the process (only the stream dropped), so stdin may still work; a failure must be typed.
      if (write !== undefined) expect(write).toBeInstanceOf(OsirisError);
    } finally {
      await sandbox.kill();
    }
  });

  it('delivers all output when it is slow, and nothing when it is lost', async () => {
    const sandbox = await transport.create(REQUEST);
    try {
      fake.faults.delayStdout(30);
      const out = createLineCollector();
      const printer = 'for (let i = 0; i < 5; i++) console.log(i)';
      const slow = await sandbox.start(
        ['node', '-e', printer],
        {},
        { onStdout: out.onChunk, onStderr: () => undefined },
      );
      expect(await slow.exited).toBe(0);
      expect(out.lines).toEqual(['0', '1', '2', '3', '4']);
      fake.faults.reset();
      fake.faults.loseOutput();
      const lost = createLineCollector();
      const silent = await sandbox.start(
        ['node', '-e', printer],
        {},
        { onStdout: lost.onChunk, onStderr: () => undefined },
      );
      expect(await silent.exited).toBe(0);
      expect(lost.lines).toEqual([]);
    } finally {
      await sandbox.kill();
    }
  });

  it('the fake kills a sandbox at its timeout; keepAlive renews it', async () => {
    const renewed = await transport.create({ ...REQUEST, timeoutMs: 1_000 });
    const expiring = await transport.create({ ...REQUEST, timeoutMs: 1_000 });
    const proc = await expiring.start(['node', '-e', 'setInterval(() => {}, 1000)'], {}, quiet);
    await renewed.keepAlive(30_000);
    expect(await proc.exited).toBeNull();
    await vi.waitFor(() => expect(fake.stats.alive()).toBe(1), { timeout: 5_000 });
    await renewed.kill();
    await expiring.kill(); // already gone at the provider: still resolves
  });

  it('keeps no access to the host environment inside the fake sandbox', async () => {
    process.env[CANARY_NAME] = CANARY_VALUE;
    const sandbox = await transport.create(REQUEST);
    try {
      const out = createLineCollector();
      const proc = await sandbox.start(
        ['node', '-e', ECHO_PROGRAM],
        { A: '1' },
        { onStdout: out.onChunk, onStderr: () => undefined },
      );
      await proc.write('{"id":1,"cmd":"env"}\n');
      await vi.waitFor(() => expect(out.lines.length).toBe(1), { timeout: 10_000 });
      expect(out.lines[0]).not.toContain(CANARY_VALUE);
      expect(fake.stats.envdRequests.starts.at(-1)?.envs).toEqual({ A: '1' });
      await proc.kill();
    } finally {
      await sandbox.kill();
      delete process.env[CANARY_NAME];
    }
  });
});

/** Running (not a zombie: PID 1 in a container may never reap the orphan). Linux only. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
