// Remote run options are really applied: what the provider received for --timeout, --cpu, --memory-mb,
// --e2b-template, OSIRIS_EXECUTION_TARGET and OSIRIS_E2B_INSTALL_DEPS; the sandbox lifetime is renewed
// while a run is alive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/api/compile-pipeline.js';
import { createDriverTable } from '../../src/api/driver-table.js';
import { runPipeline } from '../../src/api/run-pipeline.js';
import { createRemoteAdapter } from '../../src/remote/remote-adapter.js';
import { createE2bTransport } from '../../src/remote/transports/e2b-transport.js';
import { REPO_ROOT } from '../support/run-osiris.js';
import { expectNothingAlive } from './drill-checks.js';
import { PROJECT_FILES, SLOW_PIPELINE } from './parity-pipelines.js';
import type { RemoteEnv } from './remote-run-kit.js';
import {
  findLatestSession,
  readSessionLines,
  readStatus,
  spawnOsiris,
  startRemoteEnv,
  targetEnv,
} from './remote-run-kit.js';

let env: RemoteEnv;
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterAll(async () => {
  await env?.close();
});

const run = (args: string[], extraEnv: Record<string, string> = {}) => {
  const project = env.project(PROJECT_FILES);
  const done = spawnOsiris(['run', 'pipelines/zero-server.yaml', '--logs-dir', 'logs', ...args], {
    cwd: project,
    env: { ...targetEnv('e2b', env), ...extraEnv },
  }).done;
  return done.then((result) => ({ result, project, session: findLatestSession(project) as string }));
};

describe('remote run options', () => {
  it('--timeout, --cpu, --memory-mb and --e2b-template reach the E2B control plane', async () => {
    const { result, session } = await run([
      '--e2b',
      '--e2b-template',
      'osiris',
      '--timeout',
      '7',
      '--cpu',
      '3',
      '--memory-mb',
      '1536',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const body = env.fake.stats.lastCreateBody as Record<string, unknown>;
    expect(body.templateID).toBe('osiris');
    // the sandbox outlives the run timeout by a minute, so the host (not the provider) reports the timeout
    expect(body.timeout).toBe(67);
    expect(body.metadata).toEqual({
      osiris_session: readStatus(session).session_id,
      osiris_pipeline: 'zero-server',
      osiris_cpu: '3',
      osiris_memory_mb: '1536',
    });
    const start = env.fake.stats.envdRequests.starts.find((s) =>
      s.args.join(' ').includes('worker/worker-main.mjs'),
    );
    expect(start).toMatchObject({ envs: {}, stdin: true, cwd: '/home/user/osiris', timeoutMs: undefined });
    expectNothingAlive(env);
  });

  it('defaults: 600 s run timeout, 2 vCPUs, 2048 MiB; the sandbox lease is 120 s, renewed', async () => {
    const { result } = await run(['--sandbox', 'e2b', '--e2b-template', 'osiris']);
    expect(result.code, result.stderr).toBe(0);
    const body = env.fake.stats.lastCreateBody as Record<string, unknown>;
    // a lease, not the run's 600 s + 60 s: a host killed with -9 leaves its sandbox for 2 minutes at most
    expect(body.timeout).toBe(120);
    expect(body.metadata).toMatchObject({ osiris_cpu: '2', osiris_memory_mb: '2048' });
  });

  it('OSIRIS_EXECUTION_TARGET selects the target; flags win; bad values are usage errors', async () => {
    const created = env.fake.stats.created;
    const viaEnv = await run(['--e2b-template', 'osiris'], { OSIRIS_EXECUTION_TARGET: 'e2b' });
    expect(viaEnv.result.code, viaEnv.result.stderr).toBe(0);
    expect(readStatus(viaEnv.session)).toMatchObject({ adapter: 'remote', transport: 'e2b' });
    expect(env.fake.stats.created).toBe(created + 1);
    const local = await run([], { OSIRIS_EXECUTION_TARGET: 'sandbox-local' });
    expect(readStatus(local.session)).toMatchObject({ adapter: 'remote', transport: 'local' });
    const flagWins = await run(['--sandbox', 'local'], { OSIRIS_EXECUTION_TARGET: 'e2b' });
    expect(readStatus(flagWins.session)).toMatchObject({ transport: 'local' });
    expect(env.fake.stats.created).toBe(created + 1);
    const bad = await run([], { OSIRIS_EXECUTION_TARGET: 'moon' });
    expect(bad.result.code).toBe(2);
    expect(bad.result.stderr).toMatch(/OSIRIS_EXECUTION_TARGET must be one of local, sandbox-local, e2b/);
    expect((await run(['--e2b', '--sandbox', 'local'])).result.code).toBe(2);
    expect((await run(['--e2b', '--cpu', '0'])).result.stderr).toMatch(
      /--cpu expects a positive whole number/,
    );
  });

  it('OSIRIS_E2B_INSTALL_DEPS=1 asks the worker to install (nothing is missing in this template)', async () => {
    const { result, session } = await run(['--e2b', '--e2b-template', 'osiris'], {
      OSIRIS_E2B_INSTALL_DEPS: '1',
    });
    expect(result.code, result.stderr).toBe(0);
    const prepare = JSON.parse(
      readFileSync(join(session, 'commands.jsonl'), 'utf8').split('\n')[1] as string,
    ) as Record<string, unknown>;
    expect(prepare).toMatchObject({
      cmd: 'prepare',
      install_deps: true,
      dependencies: [{ name: '@duckdb/node-api', version: '1.5.6-r.1' }],
    });
    const names = readSessionLines(session, 'events.jsonl').map((e) => e.event);
    expect(names).toContain('dependency_check');
    expect(names).not.toContain('dependency_installed');
  });

  it('renews the sandbox lifetime while the run is alive (a 3 s sandbox survives a 6 s run)', async () => {
    const project = env.project({ ...PROJECT_FILES, 'pipelines/slow.yaml': SLOW_PIPELINE });
    const drivers = createDriverTable();
    const plan = compilePipeline({
      file: join(project, 'pipelines/slow.yaml'),
      params: {},
      profile: 'default',
      cwd: project,
      env: {},
      drivers,
    });
    const calls = env.fake.stats.timeoutCalls.length;
    const transport = createE2bTransport({
      apiKey: env.fake.apiKey,
      apiUrl: env.fake.apiUrl,
      sandboxUrl: env.fake.sandboxUrl,
    });
    const { status } = await runPipeline({
      plan,
      drivers,
      env: {},
      timeoutMs: 6_000,
      createAdapter: (d) =>
        createRemoteAdapter({
          transport,
          sandbox: { cpu: 1, memoryMb: 512, timeoutMs: 3_000, template: 'osiris' },
          installDeps: false,
          workerDir: join(REPO_ROOT, 'dist', 'worker'),
          drivers: d,
        }),
    });
    // without renewal the fake kills the sandbox at 3 s and the run ends with worker_lost
    expect(status.error?.code).toBe('timeout');
    const renewals = env.fake.stats.timeoutCalls.slice(calls);
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    expect(new Set(renewals.map((c) => c.timeout))).toEqual(new Set([3]));
    expectNothingAlive(env);
  }, 60_000);
});
