// Failure drills while a step runs, on the local sandbox and on E2B (the real SDK against the fake):
// the worker killed with SIGKILL, a worker that stops heart-beating, a dropped process stream, the run
// timeout and Ctrl-C. Each checks exit code, status.json, the must-exist files and that nothing is alive.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectFailedRun, expectNothingAlive } from './drill-checks.js';
import { PROJECT_FILES, SLOW_PIPELINE } from './parity-pipelines.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  findSandboxRoot,
  findWorkerPids,
  readSessionLines,
  runOnTarget,
  startRemoteEnv,
  waitForEvent,
} from './remote-run-kit.js';

const FILES = { ...PROJECT_FILES, 'pipelines/slow.yaml': SLOW_PIPELINE };
const STARTED = ['e_people', 't_slow'];

let env: RemoteEnv;
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterEach(() => env.fake.faults.reset());
afterAll(async () => {
  await env?.close();
});

/** Start the slow pipeline and wait until its long step runs in the sandbox worker. */
async function startSlowRun(target: Target, extra: string[] = []) {
  const project = env.project(FILES);
  const running = runOnTarget(target, env, project, 'pipelines/slow.yaml', extra);
  // the cleaned config is written after step_start: wait for it so the driver is really running
  const { session } = await waitForEvent(
    project,
    (e) => e.event === 'artifact_created' && e.step_id === 't_slow' && e.type === 'cleaned_config',
  );
  const root = findSandboxRoot(target, env, session);
  expect(root).toBeTruthy();
  const workers = findWorkerPids(root as string);
  expect(workers).toHaveLength(1);
  return { project, running, session, root: root as string, worker: workers[0] as number };
}

const stepFailedAt = (session: string): number => {
  const failed = readSessionLines(session, 'events.jsonl').find((e) => e.event === 'step_failed');
  return Date.parse(String(failed?.ts));
};

for (const target of ['sandbox-local', 'e2b'] as const) {
  describe(`failure drills: ${target}`, () => {
    it('worker killed with SIGKILL mid-step: worker_lost within 5 s, artifacts recovered, sandbox killed', async () => {
      const run = await startSlowRun(target);
      const killedAt = Date.now();
      process.kill(run.worker, 'SIGKILL');
      const result = await run.running.done;
      expectFailedRun(result, run.session, {
        exit: 1,
        code: 'worker_lost',
        failedStep: 't_slow',
        started: STARTED,
      });
      expect(stepFailedAt(run.session) - killedAt).toBeLessThan(5_000);
      const names = readSessionLines(run.session, 'events.jsonl').map((e) => e.event);
      expect(names).toContain('remote.artifacts_recovered');
      expectNothingAlive(env, [run.root]);
    });

    it('worker that stops heart-beating: worker_lost within a few seconds, not at the run timeout', async () => {
      const run = await startSlowRun(target);
      const silencedAt = Date.now();
      // local: the worker is frozen (SIGSTOP); e2b: envd drops every output line from now on
      if (target === 'e2b') env.fake.faults.loseOutput();
      else process.kill(run.worker, 'SIGSTOP');
      const result = await run.running.done;
      const status = expectFailedRun(result, run.session, {
        exit: 1,
        code: 'worker_lost',
        failedStep: 't_slow',
        started: STARTED,
      });
      expect(String((status.error as { message: string }).message)).toMatch(
        /sent nothing \(not even a heartbeat\)/,
      );
      const detectedAfter = stepFailedAt(run.session) - silencedAt;
      expect(detectedAfter).toBeGreaterThanOrEqual(3_000);
      expect(detectedAfter).toBeLessThan(8_000);
      expectNothingAlive(env, [run.root]);
    });

    it('run timeout (--timeout 3): code timeout, the long step fails, sandbox killed', async () => {
      const project = env.project(FILES);
      const t0 = Date.now();
      const result = await runOnTarget(target, env, project, 'pipelines/slow.yaml', ['--timeout', '3']).done;
      const { session } = await waitForEvent(project, (e) => e.event === 'run_end', 1_000);
      expect(Date.now() - t0).toBeLessThan(20_000);
      const status = expectFailedRun(result, session, {
        exit: 1,
        code: 'timeout',
        failedStep: 't_slow',
        started: STARTED,
      });
      expect(String((status.error as { message: string }).message)).toContain('3000 ms');
      expectNothingAlive(env);
    });

    it('Ctrl-C on the host mid-step: exit 130, status interrupted, sandbox killed', async () => {
      const run = await startSlowRun(target);
      run.running.child.kill('SIGINT');
      const result = await run.running.done;
      expectFailedRun(result, run.session, {
        exit: 130,
        code: 'interrupted',
        failedStep: 't_slow',
        started: STARTED,
      });
      expectNothingAlive(env, [run.root]);
    });
  });
}

describe('failure drills: e2b stream', () => {
  it('a dropped process stream is a lost worker: worker_lost, worker and sandbox killed', async () => {
    const project = env.project(FILES);
    // the worker's stream (the run's first process start) is cut once the slow step runs
    env.fake.faults.dropStreamAfterMs(2_500);
    const running = runOnTarget('e2b', env, project, 'pipelines/slow.yaml');
    const { session } = await waitForEvent(project, (e) => e.event === 'remote.sandbox_created');
    const root = findSandboxRoot('e2b', env, session);
    const result = await running.done;
    const events = readSessionLines(session, 'events.jsonl');
    const failed = events.find((e) => e.event === 'step_failed')?.step_id;
    const started = events.filter((e) => e.event === 'step_start').map((e) => String(e.step_id));
    // normally the cut lands in the slow step; under heavy load it may come earlier (then that step fails)
    const status = expectFailedRun(result, session, {
      exit: 1,
      code: 'worker_lost',
      ...(failed ? { failedStep: String(failed) } : {}),
      started,
    });
    expect(String((status.error as { message: string }).message)).toMatch(/exited unexpectedly|stream/);
    expectNothingAlive(env, [root]);
  });
});
