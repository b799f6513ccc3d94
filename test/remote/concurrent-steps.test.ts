// Concurrent steps (`osiris run --concurrency N`) against the test's real PostgreSQL: four independent
// branches, each a query that sleeps 1 s and a CSV writer, overlap with N = 4 and do not with N = 1, on
// `local`, `--sandbox local` and `--e2b` (the fake E2B); sessions whose steps interleaved differently
// compare equal; a failing branch stops new steps and the session names those that never started.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbServer } from '../support/db-servers.js';
import { readDbServers } from '../support/read-db-servers.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  findLatestSession,
  readSessionLines,
  readStatus,
  runLogsCompare,
  runOnTarget,
  startRemoteEnv,
} from './remote-run-kit.js';

const BRANCHES = ['a', 'b', 'c', 'd'];

function renderPipeline(failing?: string): string {
  const steps = BRANCHES.flatMap((b) => [
    `  - id: sleep-${b}\n    component: postgres.extractor\n    mode: read\n    config:\n      connection: "@postgres.main"\n      query: "SELECT '${b}' AS branch, n FROM pg_sleep(1), generate_series(1, 3) AS n${b === failing ? ' WHERE 1 / 0 = 1' : ''}"`,
    `  - id: write-${b}\n    component: filesystem.csv_writer\n    mode: write\n    needs: [sleep-${b}]\n    config: { path: out/${b}.csv }`,
  ]);
  return `oml_version: "0.1.0"\nname: four-branches\nsteps:\n${steps.join('\n')}\n`;
}

let env: RemoteEnv;
let postgres: DbServer;

function createBranchProject(failing?: string): string {
  return env.project({
    'p.yaml': renderPipeline(failing),
    'osiris_connections.yaml': `connections:\n  postgres:\n    main: { host: ${postgres.host}, port: ${postgres.port}, user: ${postgres.user}, password: "\${PG_PW}", database: ${postgres.database} }\n`,
  });
}

/** Run on a target with a concurrency; the session and its steps' execution time (s). */
async function runBranches(target: Target, concurrency: number, project = createBranchProject()) {
  const result = await runOnTarget(target, env, project, 'p.yaml', ['--concurrency', String(concurrency)], {
    PG_PW: postgres.password,
  }).done;
  const session = findLatestSession(project) as string;
  const seconds = readSessionLines(session, 'metrics.jsonl').find((m) => m.metric === 'execution_duration')
    ?.value as number;
  return { result, session, seconds, project };
}

beforeAll(async () => {
  ({ postgres } = readDbServers());
  env = await startRemoteEnv();
});

afterAll(async () => {
  await env?.close();
});

// The wall-time bounds get one retry: a loaded machine (other suites' servers and workers) can slow a run.
describe('--concurrency', () => {
  it('overlaps independent branches: ≤ 1.6 s with 4 at once, ≥ 4 s one at a time', { retry: 1 }, async () => {
    const together = await runBranches('local', 4);
    expect(together.result.code, together.result.stderr).toBe(0);
    expect(together.seconds).toBeLessThanOrEqual(1.6);
    const alone = await runBranches('local', 1);
    expect(alone.result.code, alone.result.stderr).toBe(0);
    expect(alone.seconds).toBeGreaterThanOrEqual(4);
    for (const b of BRANCHES)
      expect(readFileSync(join(together.project, 'out', `${b}.csv`), 'utf8')).toBe(
        `branch,n\n${b},1\n${b},2\n${b},3\n`,
      );
    // the steps really overlapped: every sleep started before the first one completed
    const events = readSessionLines(together.session, 'events.jsonl');
    const firstDone = events.findIndex((e) => e.event === 'step_complete');
    const startedBefore = events.slice(0, firstDone).filter((e) => e.event === 'step_start');
    expect(startedBefore.map((e) => e.step_id)).toEqual(BRANCHES.map((b) => `sleep-${b}`));
    const verdict = await runLogsCompare(together.session, alone.session);
    expect(verdict.equal, verdict.output).toBe(true);
  });

  it(
    'runs the branches side by side in the sandbox too, and each remote session compares equal to a local one',
    { retry: 1 },
    async () => {
      const local = await runBranches('local', 4);
      for (const target of ['sandbox-local', 'e2b'] as const) {
        const remote = await runBranches(target, 4);
        expect(remote.result.code, `${target}: ${remote.result.stderr}`).toBe(0);
        // the four 1 s sleeps overlapped in the worker: each started before the first one completed, and
        // the steps took well under the 4 s of one at a time (each remote step adds its round trip, and a
        // full suite running beside it slows the worker: 1.6 s is the in-process bound, above)
        const events = readSessionLines(remote.session, 'events.jsonl');
        const firstDone = events.findIndex((e) => e.event === 'step_complete');
        const startedBefore = events.slice(0, firstDone).filter((e) => e.event === 'step_start');
        expect(
          startedBefore.map((e) => e.step_id),
          target,
        ).toEqual(BRANCHES.map((b) => `sleep-${b}`));
        expect(remote.seconds, target).toBeLessThanOrEqual(2.5);
        const verdict = await runLogsCompare(local.session, remote.session);
        expect(verdict.equal, `${target}: ${verdict.output}`).toBe(true);
      }
    },
  );

  it('stops scheduling at a failure, lets running steps finish, and names the steps that never started', async () => {
    const run = await runBranches('local', 2, createBranchProject('a'));
    expect(run.result.code).toBe(1);
    const status = readStatus(run.session);
    expect(status).toMatchObject({ failed_step: 'sleep-a', error: { code: 'sql_error' } });
    // sleep-a fails at once; sleep-b was running beside it and completes; nothing new starts
    const events = readSessionLines(run.session, 'events.jsonl');
    const started = events.filter((e) => e.event === 'step_start').map((e) => e.step_id);
    expect(started).toEqual(['sleep-a', 'sleep-b']);
    expect(events.filter((e) => e.event === 'step_complete').map((e) => e.step_id)).toEqual(['sleep-b']);
    expect(status.steps_not_started).toEqual([
      'write-a',
      'write-b',
      'sleep-c',
      'write-c',
      'sleep-d',
      'write-d',
    ]);
  });
});
