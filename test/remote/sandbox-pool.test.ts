// Batches on a pool of sandboxes, through the real CLI: `osiris run p1.yaml … p40.yaml --parallel 8` with
// `--e2b` (the real e2b SDK against the fake E2B on loopback, which enforces an account's limits: at most 8
// sandboxes alive, 5 creates per second, a 429 beyond either) and with `--sandbox local`. Each pipeline's
// session must equal its in-process run under compareSessions; at most 8 sandboxes are ever created, each
// serving several pipelines; none is alive afterwards. Also: a sandbox killed mid-batch (only its
// pipeline fails, `worker_lost`; with --retry-lost it runs again on a new sandbox), Ctrl-C mid-batch, and
// 429s on create. The PostgreSQL of the drills is the suite's real server.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSessions } from '../../src/report/compare-sessions.js';
import { readSessionSnapshot } from '../../src/session/read-session.js';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  listSandboxDirs,
  readEventsSoFar,
  readSessionLines,
  spawnOsiris,
  startRemoteEnv,
  targetArgs,
  targetEnv,
} from './remote-run-kit.js';

const COUNT = 40;
const PARALLEL = 8;
const FILES = Array.from({ length: COUNT }, (_, i) => `p${i + 1}.yaml`);

/** Four steps: a CSV extract, two transforms that stamp and fold the rows, a CSV writer. */
const renderPipeline = (i: number): string => `oml_version: "0.1.0"
name: p${i}
steps:
  - id: extract
    component: filesystem.csv_extractor
    mode: read
    config: { path: data/in.csv }
  - id: stamp
    component: duckdb.processor
    mode: transform
    needs: [extract]
    config: { query: "SELECT v, ${i} AS pipeline FROM input_df" }
  - id: fold
    component: duckdb.processor
    mode: transform
    needs: [stamp]
    config: { query: "SELECT pipeline, count(*) AS n, sum(v) AS s FROM input_df GROUP BY pipeline" }
  - id: write
    component: filesystem.csv_writer
    mode: write
    needs: [fold]
    config: { path: out/p${i}.csv }
`;

/** A pipeline that waits in PostgreSQL (pg_sleep) and writes what it read. */
const renderSleeper = (name: string, seconds: number): string => `oml_version: "0.1.0"
name: ${name}
steps:
  - id: wait
    component: postgres.extractor
    mode: read
    config:
      connection: "@postgres.main"
      query: "SELECT '${name}' AS name FROM pg_sleep(${seconds})"
  - id: write
    component: filesystem.csv_writer
    mode: write
    needs: [wait]
    config: { path: out/${name}.csv }
`;

interface BatchOutput {
  ok: boolean;
  exit_code: number;
  pipelines: Array<Record<string, unknown> & { file: string; session_dir?: string }>;
}

let env: RemoteEnv;
let postgres: DbServer;

beforeAll(async () => {
  ({ postgres } = readDbServers());
  env = await startRemoteEnv({ limits: { maxAlive: PARALLEL, createsPerSecond: 5 } });
});

afterAll(async () => {
  await env?.close();
});

function createBatchProject(): string {
  const files: Record<string, string> = { 'data/in.csv': 'v\n1\n2\n3\n4\n' };
  FILES.forEach((f, i) => (files[f] = renderPipeline(i + 1)));
  return env.project(files);
}

function createSleeperProject(pipelines: Record<string, string>): string {
  return env.project({
    ...pipelines,
    'osiris_connections.yaml': `connections:\n  postgres:\n    main: { host: ${postgres.host}, port: ${postgres.port}, user: ${postgres.user}, password: "\${PG_PW}", database: ${postgres.database} }\n`,
  });
}

async function runBatch(project: string, target: Target, files: string[], extra: string[] = []) {
  const cli = spawnOsiris(
    ['run', ...files, '--logs-dir', `logs-${target}`, '--json', ...targetArgs(target), ...extra],
    { cwd: project, env: { ...targetEnv(target, env), PG_PW: postgres.password }, timeoutMs: 300_000 },
  );
  const result = await cli.done;
  return { result, batch: JSON.parse(result.stdout || '{}') as BatchOutput };
}

/** Sandbox ids a session got, by how: created or reused. */
function readSandboxUse(session: string): { created?: string; reused?: string } {
  const events = readEventsSoFar(session);
  const id = (name: string) => events.find((e) => e.event === name)?.sandbox_id as string | undefined;
  return { created: id('remote.sandbox_created'), reused: id('remote.sandbox_reused') };
}

describe.each([['e2b'], ['sandbox-local']] as const)('a batch of %s runs on a pool', (target) => {
  it(`${COUNT} pipelines × 4 steps with --parallel ${PARALLEL}: ≤ ${PARALLEL} sandboxes, each session equal to its local run`, async () => {
    const project = createBatchProject();
    const local = await runBatch(project, 'local', FILES, ['--parallel', '4']);
    expect(local.result.code, local.result.stderr).toBe(0);
    const localOut = FILES.map((_, i) => readFileSync(join(project, 'out', `p${i + 1}.csv`), 'utf8'));
    const created = env.fake.stats.created;

    const remote = await runBatch(project, target, FILES, ['--parallel', String(PARALLEL)]);
    expect(remote.result.code, remote.result.stderr).toBe(0);
    expect(remote.batch.pipelines.map((p) => p.status)).toEqual(FILES.map(() => 'success'));
    const sessions = remote.batch.pipelines.map((p) => join(project, p.session_dir as string));
    const use = sessions.map(readSandboxUse);
    const ids = new Set(use.map((u) => u.created ?? u.reused));
    expect(ids.size).toBeGreaterThan(0);
    expect(ids.size).toBeLessThanOrEqual(PARALLEL);
    expect(use.filter((u) => u.reused).length).toBeGreaterThanOrEqual(COUNT - PARALLEL);
    // every reuse is of a sandbox the batch created and returned, wiped
    for (const session of sessions) {
      const names = readEventsSoFar(session).map((e) => e.event);
      expect(
        names.filter((n) => n === 'remote.sandbox_returned' || n === 'remote.sandbox_killed'),
      ).toHaveLength(1);
    }
    if (target === 'e2b') {
      expect(env.fake.stats.created - created).toBe(ids.size);
      expect(env.fake.stats.peakAlive).toBeLessThanOrEqual(PARALLEL);
      expect(env.fake.stats.alive()).toBe(0);
    } else expect(listSandboxDirs(env)).toEqual([]);

    FILES.forEach((_, i) =>
      expect(readFileSync(join(project, 'out', `p${i + 1}.csv`), 'utf8')).toBe(localOut[i]),
    );
    expect(localOut[6]).toBe('pipeline,n,s\n7,4,10\n');
    local.batch.pipelines.forEach((p, i) => {
      const comparison = compareSessions(
        readSessionSnapshot(join(project, p.session_dir as string)),
        readSessionSnapshot(sessions[i] as string),
      );
      expect(
        comparison.equal,
        `${p.file}: ${JSON.stringify([comparison.eventDiffs.slice(0, 2), comparison.metricDiffs.slice(0, 2), comparison.artifactDiffs.slice(0, 2)])}`,
      ).toBe(true);
    });
  }, 300_000);
});

describe('a pool under faults (fake E2B)', () => {
  it('a sandbox killed mid-batch fails only its pipeline (worker_lost); with --retry-lost it runs again on a new sandbox', async () => {
    const project = createSleeperProject({
      'lost.yaml': renderSleeper('lost', 3),
      'a.yaml': renderSleeper('a', 0),
      'b.yaml': renderSleeper('b', 0),
      'c.yaml': renderSleeper('c', 0),
    });
    for (const retry of [false, true]) {
      const before = new Set(listSessions(project));
      const files = ['lost.yaml', 'a.yaml', 'b.yaml', 'c.yaml'];
      const cli = spawnOsiris(
        [
          'run',
          ...files,
          '--parallel',
          '2',
          '--json',
          ...targetArgs('e2b'),
          ...(retry ? ['--retry-lost'] : []),
        ],
        { cwd: project, env: { ...targetEnv('e2b', env), PG_PW: postgres.password }, timeoutMs: 120_000 },
      );
      const sandboxId = await waitForSleeperSandbox(project, before);
      await env.fake.kill(sandboxId);
      const result = await cli.done;
      const batch = JSON.parse(result.stdout) as BatchOutput;
      expect(batch.pipelines.slice(1).map((p) => p.status)).toEqual(['success', 'success', 'success']);
      const lost = batch.pipelines[0] as Record<string, unknown>;
      if (!retry) {
        expect(result.code).toBe(1);
        expect(lost).toMatchObject({ status: 'failed', error: { code: 'worker_lost' } });
      } else {
        expect(result.code, result.stderr).toBe(0);
        expect(lost).toMatchObject({ status: 'success' });
        const first = join(project, lost.lost_session_dir as string);
        expect(JSON.parse(readFileSync(join(first, 'status.json'), 'utf8'))).toMatchObject({
          error: { code: 'worker_lost' },
        });
        // the retry never reuses a pooled sandbox
        const again = readSandboxUse(join(project, lost.session_dir as string));
        expect(again.created).toBeDefined();
        expect(again.created).not.toBe(sandboxId);
        expect(readFileSync(join(project, 'out', 'lost.csv'), 'utf8')).toBe('name\nlost\n');
      }
      expect(env.fake.stats.alive()).toBe(0);
    }
  }, 180_000);

  it('--retry-lost on a single pipeline: its lost session, then a new one that succeeds', async () => {
    const project = createSleeperProject({ 'lost.yaml': renderSleeper('lost', 3) });
    const cli = spawnOsiris(['run', 'lost.yaml', '--json', '--retry-lost', ...targetArgs('e2b')], {
      cwd: project,
      env: { ...targetEnv('e2b', env), PG_PW: postgres.password },
      timeoutMs: 120_000,
    });
    await env.fake.kill(await waitForSleeperSandbox(project));
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ ok: true, pipeline_id: 'lost' });
    const lost = JSON.parse(
      readFileSync(join(project, status.lost_session_dir as string, 'status.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(lost).toMatchObject({ ok: false, error: { code: 'worker_lost' } });
    expect(status.session_dir).not.toBe(status.lost_session_dir);
    expect(env.fake.stats.alive()).toBe(0);
  }, 120_000);

  it('retries 429s on create and still creates no more sandboxes than --parallel', async () => {
    const project = createBatchProject();
    const attempts = env.fake.stats.createAttempts;
    const created = env.fake.stats.created;
    env.fake.faults.failCreate(429, 2);
    const { result, batch } = await runBatch(project, 'e2b', FILES.slice(0, 6), ['--parallel', '3']);
    expect(result.code, result.stderr).toBe(0);
    expect(batch.ok).toBe(true);
    const newCreates = env.fake.stats.created - created;
    expect(newCreates).toBeLessThanOrEqual(3);
    expect(env.fake.stats.createAttempts - attempts).toBeGreaterThanOrEqual(newCreates + 2);
    expect(env.fake.stats.alive()).toBe(0);
  }, 120_000);

  it('Ctrl-C mid-batch kills every sandbox, exits 130 and leaves every started session complete', async () => {
    const files = ['s1.yaml', 's2.yaml', 's3.yaml', 's4.yaml', 's5.yaml'];
    const project = createSleeperProject(
      Object.fromEntries(files.map((f) => [f, renderSleeper(f.replace('.yaml', ''), 20)])),
    );
    const cli = spawnOsiris(['run', ...files, '--parallel', '2', '--json', ...targetArgs('e2b')], {
      cwd: project,
      env: { ...targetEnv('e2b', env), PG_PW: postgres.password },
      timeoutMs: 120_000,
    });
    await waitForSleeperSandbox(project);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    const batch = JSON.parse(result.stdout) as BatchOutput;
    const started = batch.pipelines.filter((p) => p.session_dir);
    expect(started.length).toBeGreaterThan(0);
    for (const p of started) {
      const status = JSON.parse(readFileSync(join(project, p.session_dir as string, 'status.json'), 'utf8'));
      expect(status).toMatchObject({ exit_code: 130 });
      const names = readSessionLines(join(project, p.session_dir as string), 'events.jsonl').map(
        (e) => e.event,
      );
      expect(names).toContain('remote.sandbox_killed');
    }
    expect(
      batch.pipelines
        .filter((p) => !p.session_dir)
        .every((p) => (p.error as { code: string }).code === 'interrupted'),
    ).toBe(true);
    expect(env.fake.stats.alive()).toBe(0);
  }, 120_000);
});

/** Session directories under `<project>/logs`. */
function listSessions(project: string): string[] {
  const logs = join(project, 'logs');
  return existsSync(logs) ? readdirSync(logs).map((n) => join(logs, n)) : [];
}

/** Wait until a sleeper pipeline's worker is in its PostgreSQL step; returns that session's sandbox id. */
async function waitForSleeperSandbox(
  project: string,
  ignore: ReadonlySet<string> = new Set(),
): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const sessions = listSessions(project).filter((s) => !ignore.has(s));
    for (const session of sessions) {
      const events = readEventsSoFar(session);
      const pipeline = events.find((e) => e.event === 'run_start')?.pipeline_id;
      const waiting = events.some((e) => e.event === 'step_start' && e.step_id === 'wait');
      const use = readSandboxUse(session);
      if ((pipeline === 'lost' || String(pipeline).startsWith('s')) && waiting && (use.created ?? use.reused))
        return (use.created ?? use.reused) as string;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no sleeper pipeline reached its PostgreSQL step in 60 s');
}
