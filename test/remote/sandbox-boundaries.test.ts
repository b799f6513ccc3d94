// Sandboxes are boundaries: in a remote run (the local sandbox, and E2B through the offline fake with the
// real SDK) a processor's SQL reads and writes only inside the sandbox work directory, and a step path
// that leaves the project through a symbolic link is refused on the host before a sandbox exists.
// A local run is the user's own process: the same query reads the host file there (documented).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailedRun, expectNothingAlive } from './drill-checks.js';
import { PROJECT_FILES } from './parity-pipelines.js';
import type { RemoteEnv } from './remote-run-kit.js';
import {
  findLatestSession,
  readSessionLines,
  runOnTarget,
  startRemoteEnv,
  targetEnv,
} from './remote-run-kit.js';

const HOST_SECRET = 'Host-Only-Value-7f3a';

let env: RemoteEnv;
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterAll(async () => {
  await env?.close();
});

const readsHostFile = (path: string): string =>
  `oml_version: "0.1.0"\nname: reads-host\nsteps:\n` +
  `  - id: t_read\n    component: duckdb.processor\n    mode: transform\n    needs: []\n` +
  `    config: { query: "SELECT content FROM read_text('${path}')" }\n` +
  `  - id: w_out\n    component: filesystem.csv_writer\n    mode: write\n    needs: [t_read]\n    config: { path: out/leak.csv }\n`;

const escapes = (config: string): string =>
  `oml_version: "0.1.0"\nname: escapes\nsteps:\n` +
  `  - id: e_in\n    component: filesystem.csv_extractor\n    mode: read\n    config: ${config}\n` +
  `  - id: w_out\n    component: filesystem.csv_writer\n    mode: write\n    needs: [e_in]\n    config: { path: out/copy.csv }\n`;

function projectWithHostSecret(): { project: string; secretFile: string } {
  const project = env.project({ ...PROJECT_FILES, '.env': `TOKEN=${HOST_SECRET}\n` });
  return { project, secretFile: join(project, '.env') };
}

describe('sandbox boundaries: a processor cannot read or write host files', () => {
  for (const target of ['sandbox-local', 'e2b'] as const) {
    it(`${target}: read_text of a host file (absolute and ../) fails the step; nothing of it lands anywhere`, async () => {
      const { project, secretFile } = projectWithHostSecret();
      for (const path of [secretFile, '../.env', '../../.env']) {
        writeFileSync(join(project, 'pipelines/reads-host.yaml'), readsHostFile(path));
        const result = await runOnTarget(
          target,
          env,
          project,
          'pipelines/reads-host.yaml',
          [],
          targetEnv(target, env),
        ).done;
        const session = findLatestSession(project) as string;
        const status = expectFailedRun(result, session, {
          exit: 1,
          code: 'sql_error',
          failedStep: 't_read',
          started: ['t_read'],
        });
        expect(String((status.error as { message: string }).message)).toMatch(/Permission Error|disabled/);
        expect(existsSync(join(project, 'out/leak.csv'))).toBe(false);
        for (const file of ['events.jsonl', 'osiris.log', 'debug.log', 'status.json'])
          expect(readFileSync(join(session, file), 'utf8')).not.toContain(HOST_SECRET);
      }
      expectNothingAlive(env);
    });
  }

  it('local run: the processor is the user own process and reads the file (documented, not a sandbox)', async () => {
    const { project, secretFile } = projectWithHostSecret();
    writeFileSync(join(project, 'pipelines/reads-host.yaml'), readsHostFile(secretFile));
    const result = await runOnTarget('local', env, project, 'pipelines/reads-host.yaml').done;
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(project, 'out/leak.csv'), 'utf8')).toContain(HOST_SECRET);
  });
});

describe('sandbox boundaries: step paths that leave the project through a symbolic link', () => {
  for (const target of ['sandbox-local', 'e2b'] as const) {
    it(`${target}: an output directory linked outside, and an input linked to /etc/hostname, are refused before a sandbox exists`, async () => {
      const project = env.project(PROJECT_FILES);
      const outsideDir = join(env.tmp, `outside-${target}`);
      mkdirSync(outsideDir);
      symlinkSync(outsideDir, join(project, 'outlink'));
      symlinkSync('/etc/hostname', join(project, 'data/host.csv'));
      symlinkSync(join(env.tmp, 'nowhere.csv'), join(project, 'data/dangling.csv'));
      const cases: Array<[string, string]> = [
        [`${escapes('{ path: data/people.csv }').replace('out/copy.csv', 'outlink/x.csv')}`, 'outlink/x.csv'],
        [escapes('{ path: data/host.csv }'), 'data/host.csv'],
        [escapes('{ path: data/dangling.csv }'), 'data/dangling.csv'],
      ];
      for (const [pipeline, path] of cases) {
        writeFileSync(join(project, 'pipelines/escapes.yaml'), pipeline);
        const created = env.fake.stats.createAttempts;
        const result = await runOnTarget(
          target,
          env,
          project,
          'pipelines/escapes.yaml',
          [],
          targetEnv(target, env),
        ).done;
        const session = findLatestSession(project) as string;
        const status = expectFailedRun(result, session, { exit: 1, code: 'config_error', started: [] });
        const message = String((status.error as { message: string }).message);
        expect(message).toContain(`'${path}' resolves to`);
        expect(message).toMatch(/symbolic link/);
        expect(env.fake.stats.createAttempts).toBe(created);
        expect(
          readSessionLines(session, 'events.jsonl').some((e) => e.event === 'remote.sandbox_created'),
        ).toBe(false);
      }
      expect(existsSync(join(outsideDir, 'x.csv'))).toBe(false);
      expectNothingAlive(env);
    });
  }

  it('a link that stays inside the project is fine', async () => {
    const project = env.project(PROJECT_FILES);
    symlinkSync(join(project, 'data/people.csv'), join(project, 'data/alias.csv'));
    writeFileSync(join(project, 'pipelines/escapes.yaml'), escapes('{ path: data/alias.csv }'));
    const result = await runOnTarget(
      'sandbox-local',
      env,
      project,
      'pipelines/escapes.yaml',
      [],
      targetEnv('sandbox-local', env),
    ).done;
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(project, 'out/copy.csv'), 'utf8')).toBe(
      readFileSync(join(project, 'data/people.csv'), 'utf8'),
    );
  });
});
