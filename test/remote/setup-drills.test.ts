// Failure drills around setup (sandbox create refused, Ctrl-C during create, missing dependencies and
// installing them) and a 1 MB error line that must arrive intact and masked.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectFailedRun, expectNothingAlive } from './drill-checks.js';
import { startLocalNpmRegistry } from '../support/local-npm-registry.js';
import type { LocalNpmRegistry } from '../support/local-npm-registry.js';
import { REPO_ROOT } from '../support/run-osiris.js';
import { PROJECT_FILES } from './parity-pipelines.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  TARGETS,
  findLatestSession,
  readSessionLines,
  readStatus,
  runOnTarget,
  startRemoteEnv,
  targetEnv,
} from './remote-run-kit.js';

let env: RemoteEnv;
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterEach(() => env.fake.faults.reset());
afterAll(async () => {
  await env?.close();
});

describe('setup drills: e2b create', () => {
  it('sandbox create refused (500) on every attempt: connection_error before any step, nothing alive', async () => {
    const project = env.project(PROJECT_FILES);
    const created = env.fake.stats.created;
    const attempts = env.fake.stats.createAttempts;
    env.fake.faults.failCreate(500, 3);
    const result = await runOnTarget('e2b', env, project, 'pipelines/zero-server.yaml').done;
    const session = findLatestSession(project) as string;
    const status = expectFailedRun(result, session, { exit: 1, code: 'connection_error', started: [] });
    expect(String((status.error as { message: string }).message)).toMatch(
      /creating the sandbox \(3 attempts\) failed: 500/,
    );
    expect(env.fake.stats.createAttempts - attempts).toBe(3);
    expect(status.error).not.toHaveProperty('message', expect.stringContaining(env.fake.apiKey));
    expect(env.fake.stats.created).toBe(created);
    expectNothingAlive(env);
  });

  it('Ctrl-C while the sandbox is being created: exit 130, and the sandbox is killed once create returns', async () => {
    const project = env.project(PROJECT_FILES);
    const attempts = env.fake.stats.createAttempts;
    const created = env.fake.stats.created;
    // a 429 with Retry-After 2 s keeps the SDK's create pending for 2 s
    env.fake.faults.failCreate(429, 1, { retryAfterS: 2 });
    const running = runOnTarget('e2b', env, project, 'pipelines/zero-server.yaml');
    while (env.fake.stats.createAttempts === attempts) await new Promise((r) => setTimeout(r, 20));
    running.child.kill('SIGINT');
    const result = await running.done;
    const session = findLatestSession(project) as string;
    expectFailedRun(result, session, { exit: 130, code: 'interrupted', started: [] });
    expect(env.fake.stats.created).toBe(created + 1);
    const events = readSessionLines(session, 'events.jsonl').map((e) => e.event);
    expect(events).toContain('remote.sandbox_killed');
    expectNothingAlive(env);
  });
});

describe('setup drills: paths outside the project', () => {
  it('a writer path outside the project is refused before a sandbox exists (config_error)', async () => {
    const project = env.project(PROJECT_FILES);
    writeFileSync(
      join(project, 'pipelines/escape.yaml'),
      `oml_version: "0.1.0"\nname: escape\nsteps:\n  - id: e_people\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: data/people.csv }\n` +
        `  - id: w_out\n    component: filesystem.csv_writer\n    mode: write\n    config: { path: ../outside.csv }\n`,
    );
    const created = env.fake.stats.createAttempts;
    const result = await runOnTarget('e2b', env, project, 'pipelines/escape.yaml').done;
    const status = expectFailedRun(result, findLatestSession(project) as string, {
      exit: 1,
      code: 'config_error',
      started: [],
    });
    expect(String((status.error as { message: string }).message)).toMatch(
      /step w_out config\.path: remote runs need paths inside the project directory/,
    );
    expect(env.fake.stats.createAttempts).toBe(created);
    expectNothingAlive(env);
  });
});

const missingDepsEnv = (target: Target): Record<string, string> =>
  target === 'sandbox-local' ? { OSIRIS_LOCAL_SANDBOX_TEMPLATE: env.bareTemplate } : {};

for (const target of ['sandbox-local', 'e2b'] as const) {
  describe(`setup drills: ${target} dependencies`, () => {
    it('a template without the dependencies fails before any step with an actionable message', async () => {
      const project = env.project(PROJECT_FILES);
      const result = await runOnTarget(
        target,
        env,
        project,
        'pipelines/zero-server.yaml',
        target === 'e2b' ? ['--e2b-template', 'bare'] : [],
        missingDepsEnv(target),
      ).done;
      const session = findLatestSession(project) as string;
      const status = expectFailedRun(result, session, { exit: 1, code: 'dependency_missing', started: [] });
      const message = String((status.error as { message: string }).message);
      expect(message).toContain('@duckdb/node-api@');
      expect(message).toMatch(/--e2b-install-deps/);
      expect(message).toMatch(/template/);
      const check = readSessionLines(session, 'events.jsonl').find((e) => e.event === 'dependency_check');
      expect(check?.missing).toEqual([expect.stringMatching(/^@duckdb\/node-api@/)]);
      // only the components this manifest uses are checked: no database client in the list
      expect(JSON.stringify(check)).not.toMatch(/mysql|pg@/);
      expectNothingAlive(env);
    });
  });
}

describe('setup drills: installing dependencies (local sandbox, npm from a loopback registry the test serves)', () => {
  // The packages come from this repository's node_modules, packed and served on 127.0.0.1, into an
  // empty npm cache: the test depends neither on the network nor on the host's npm cache.
  let registry: LocalNpmRegistry;
  let cache: string;
  beforeAll(async () => {
    registry = await startLocalNpmRegistry(join(REPO_ROOT, 'node_modules'), ['@duckdb/node-api']);
    cache = mkdtempSync(join(env.tmp, 'npm-cache-'));
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
  });

  it('--e2b-install-deps installs the pinned package: dependency_check then dependency_installed, run succeeds', async () => {
    expect(registry.packages).toContain('@duckdb/node-api@1.5.6-r.1');
    const project = env.project(PROJECT_FILES);
    const result = await runOnTarget('sandbox-local', env, project, 'pipelines/zero-server.yaml', [], {
      ...missingDepsEnv('sandbox-local'),
      OSIRIS_E2B_INSTALL_DEPS: '1',
      npm_config_cache: cache,
      npm_config_registry: registry.url,
    }).done;
    const session = findLatestSession(project) as string;
    expect(result.code, result.stderr + readFileSync(join(session, 'osiris.log'), 'utf8')).toBe(0);
    // the packages really came from the loopback registry, not from anywhere else
    expect(registry.downloads()).toBeGreaterThanOrEqual(registry.packages.length);
    const events = readSessionLines(session, 'events.jsonl');
    const names = events.map((e) => e.event);
    expect(names.indexOf('dependency_check')).toBeLessThan(names.indexOf('dependency_installed'));
    expect(names.indexOf('dependency_installed')).toBeLessThan(names.indexOf('step_start'));
    expect(events.find((e) => e.event === 'dependency_installed')?.packages).toEqual([
      '@duckdb/node-api@1.5.6-r.1',
    ]);
    const prepare = readFileSync(join(session, 'commands.jsonl'), 'utf8').split('\n')[1] as string;
    expect(JSON.parse(prepare)).toMatchObject({ cmd: 'prepare', install_deps: true });
    expect(existsSync(join(project, 'out/detail.csv'))).toBe(true);
    expectNothingAlive(env);
  }, 120_000);
});

describe('setup drills: a 1 MB error message line', () => {
  const CANARY = 'Big-Canary-5e9d+/=x';
  const payload = (() => {
    const block = 'abcdefghij'.repeat(100_000);
    return `${block.slice(0, 500_000)}${CANARY}${block.slice(500_000)}`;
  })();
  const messages = new Map<Target, string>();

  beforeAll(async () => {
    for (const target of TARGETS) {
      // the payload (with the canary) comes from the data: a pipeline's config holding a secret of the
      // run is refused before it starts (manifest and cfg are verified secret-free, issue 8 §2)
      const project = env.project({ ...PROJECT_FILES, 'data/big.csv': `payload\n${payload}\n` });
      writeFileSync(
        join(project, 'pipelines/big-error.yaml'),
        `oml_version: "0.1.0"\nname: big-error\nsteps:\n  - id: e_big\n    component: filesystem.csv_extractor\n    mode: read\n    config: { path: data/big.csv }\n` +
          `  - id: boom\n    component: duckdb.processor\n    mode: transform\n    needs: [e_big]\n    config:\n      query: "SELECT error(payload) AS x FROM e_big"\n` +
          // a later step whose connection carries the canary password: resolved at run start, so it is a secret of the run
          `  - id: e_db\n    component: mysql.extractor\n    mode: read\n    config: { connection: "@mysql.canary", query: "SELECT 1" }\n`,
      );
      writeFileSync(
        join(project, 'osiris_connections.yaml'),
        `connections:\n  mysql:\n    canary: { host: 127.0.0.1, port: 1, user: u, password: "${CANARY}", database: d }\n`,
      );
      const result = await runOnTarget(
        target,
        env,
        project,
        'pipelines/big-error.yaml',
        // one step after another: the 1 MB message comes from the step before e_db
        ['--concurrency', '1'],
        targetEnv(target, env),
      ).done;
      expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
      const session = findLatestSession(project) as string;
      messages.set(target, String((readStatus(session).error as { message: string }).message));
      const failed = readSessionLines(session, 'events.jsonl').find((e) => e.event === 'step_failed');
      expect(failed?.error).toBe(messages.get(target));
      for (const file of ['events.jsonl', 'status.json', 'osiris.log', 'debug.log'])
        expect(readFileSync(join(session, file), 'utf8')).not.toContain(CANARY);
    }
  }, 180_000);

  it('arrives intact (every byte but the masked secret) and equal on every target', () => {
    const local = messages.get('local') as string;
    expect(local).toBe(`boom: Invalid Input Error: ${payload.replace(CANARY, '***MASKED***')}`);
    expect(local.length).toBeGreaterThan(1_000_000);
    for (const target of ['sandbox-local', 'e2b'] as const)
      expect(messages.get(target) === local, target).toBe(true);
    expectNothingAlive(env);
  });
});
