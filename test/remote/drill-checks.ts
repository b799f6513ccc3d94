// Assertions every failure drill makes: exit code, status.json, the must-exist files, and nothing left
// alive (fake sandboxes, local sandbox directories, worker processes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { MUST_EXIST_FILES } from '../../src/core/index.js';
import type { CliResult } from '../support/run-osiris.js';
import type { RemoteEnv } from './remote-run-kit.js';
import { findWorkerPids, listSandboxDirs, readSessionLines, readStatus } from './remote-run-kit.js';

/** What a failed run must look like. */
export interface FailedRunExpectation {
  /** Process exit code (1, or 130 for Ctrl-C). */
  exit: number;
  /** status.json error.code. */
  code: string;
  /** status.json failed_step (undefined: the run failed before any step). */
  failedStep?: string;
  /** Steps that started: each must have its cleaned config in the session. */
  started: string[];
  /** Steps with a step_failed event (default: failedStep alone), e.g. concurrent steps failing together. */
  failed?: string[];
}

/** Check exit code, status.json, events and the must-exist files of a failed remote run. */
export function expectFailedRun(
  result: CliResult,
  session: string,
  want: FailedRunExpectation,
): Record<string, unknown> {
  expect(result.code, result.stderr).toBe(want.exit);
  const status = readStatus(session);
  expect(status).toMatchObject({
    ok: false,
    status: 'failed',
    exit_code: want.exit,
    adapter: 'remote',
    error: { code: want.code },
  });
  if (want.failedStep) expect(status.failed_step).toBe(want.failedStep);
  else expect(status.failed_step).toBeUndefined();
  for (const f of [...MUST_EXIST_FILES, 'commands.jsonl']) expect(existsSync(join(session, f)), f).toBe(true);
  for (const step of want.started)
    expect(
      existsSync(join(session, 'artifacts', step, 'cleaned_config.json')),
      `cleaned config of ${step}`,
    ).toBe(true);
  const events = readSessionLines(session, 'events.jsonl');
  expect(events.at(-1)?.event).toBe('run_end');
  expect(events.filter((e) => e.event === 'step_start').map((e) => e.step_id)).toEqual(want.started);
  if (want.failedStep) {
    const failed = events.filter((e) => e.event === 'step_failed');
    // concurrent steps may fail in either order
    expect(failed.map((e) => e.step_id).sort()).toEqual([...(want.failed ?? [want.failedStep])].sort());
    for (const e of failed) expect(e.error_code, String(e.step_id)).toBe(want.code);
  }
  expect(events.filter((e) => e.event === 'remote.sandbox_killed').length).toBeLessThanOrEqual(1);
  return status;
}

/** Zero sandboxes alive: the fake's count, the local sandbox dirs, and worker processes under `roots`. */
export function expectNothingAlive(env: RemoteEnv, roots: Array<string | undefined> = []): void {
  expect(env.fake.stats.alive()).toBe(0);
  expect(listSandboxDirs(env)).toEqual([]);
  for (const root of roots) if (root) expect(findWorkerPids(root)).toEqual([]);
}
