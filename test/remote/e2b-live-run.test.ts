// A full CLI run against REAL E2B: only when E2B_API_KEY is set (skipped offline and in CI).
//   E2B_API_KEY=e2b_... [E2B_TEMPLATE=<template with node + @duckdb/node-api>] npx vitest run test/remote/e2b-live-run.test.ts
// Without E2B_TEMPLATE the default template is used with --e2b-install-deps (needs node, npm and network there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSessions } from '../../src/report/compare-sessions.js';
import { readSessionSnapshot } from '../../src/session/read-session.js';
import { createProject } from '../support/run-osiris.js';
import { PROJECT_FILES } from './parity-pipelines.js';
import { findLatestSession, readStatus, spawnOsiris } from './remote-run-kit.js';

const apiKey = process.env.E2B_API_KEY;
const template = process.env.E2B_TEMPLATE;

describe.runIf(apiKey)('e2b live run (E2B_API_KEY set)', () => {
  it('runs the zero-server pipeline in a real sandbox with the same session as a local run', async () => {
    const env: Record<string, string> = { E2B_API_KEY: apiKey as string };
    for (const name of ['E2B_DOMAIN', 'E2B_API_URL', 'E2B_SANDBOX_URL'] as const)
      if (process.env[name]) env[name] = process.env[name] as string;
    const local = createProject(PROJECT_FILES);
    const remote = createProject(PROJECT_FILES);
    const args = ['run', 'pipelines/zero-server.yaml', '--logs-dir', 'logs'];
    expect((await spawnOsiris(args, { cwd: local }).done).code).toBe(0);
    const extra = template ? ['--e2b-template', template] : ['--e2b-install-deps'];
    const result = await spawnOsiris([...args, '--e2b', ...extra], { cwd: remote, env, timeoutMs: 300_000 })
      .done;
    expect(result.code, result.stderr).toBe(0);
    const [a, b] = [findLatestSession(local) as string, findLatestSession(remote) as string];
    expect(readStatus(b)).toMatchObject({ ok: true, adapter: 'remote', transport: 'e2b' });
    const comparison = compareSessions(readSessionSnapshot(a), readSessionSnapshot(b));
    expect(comparison.equal, JSON.stringify(comparison.eventDiffs)).toBe(true);
    for (const out of ['out/detail.csv', 'out/summary.csv'])
      expect(readFileSync(join(remote, out)).equals(readFileSync(join(local, out)))).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(apiKey as string);
  }, 360_000);
});
