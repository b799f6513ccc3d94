// Parity contract (docs/report.md): the same pipelines on `local` (in process), `--sandbox local` and `--e2b`
// (the real SDK against the offline fake) give sessions that `osiris logs compare` finds equal, equal
// event counts per name, byte-equal writer outputs and equal status.json but for adapter/transport/times.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUST_EXIST_FILES } from '../../src/core/index.js';
import { createLineValidators } from '../support/run-osiris.js';
import { PROJECT_FILES } from './parity-pipelines.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  TARGETS,
  findLatestSession,
  listSandboxDirs,
  normalizeStatus,
  readSessionLines,
  readStatus,
  runOnTarget,
  startRemoteEnv,
  runLogsCompare,
} from './remote-run-kit.js';

interface TargetRun {
  code: number | null;
  session: string;
  project: string;
  stderr: string;
}

const CASES = [
  {
    name: 'zero-server CSV pipeline',
    file: 'pipelines/zero-server.yaml',
    exit: 0,
    outputs: ['out/detail.csv', 'out/summary.csv'],
  },
  {
    name: '10 steps with a 3-input join',
    file: 'pipelines/ten-steps.yaml',
    exit: 0,
    outputs: ['out/b-rank.csv', 'out/b-stats.csv'],
  },
  { name: 'failing in its 3rd step (SQL error)', file: 'pipelines/fails-third.yaml', exit: 1, outputs: [] },
] as const;

let env: RemoteEnv;
/** Local sessions by case name, for the check that the comparison is not vacuous. */
const localSessions = new Map<string, string>();
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterAll(async () => {
  await env?.close();
});

for (const c of CASES) {
  describe(`parity: ${c.name}`, () => {
    const runs = new Map<Target, TargetRun>();

    beforeAll(async () => {
      for (const target of TARGETS) {
        const project = env.project(PROJECT_FILES);
        const result = await runOnTarget(target, env, project, c.file).done;
        runs.set(target, {
          code: result.code,
          session: findLatestSession(project) ?? '',
          project,
          stderr: result.stderr,
        });
      }
      localSessions.set(c.name, get('local').session);
    }, 180_000);

    const get = (t: Target): TargetRun => runs.get(t) as TargetRun;

    it('exits the same way on every target and leaves the must-exist files', () => {
      for (const target of TARGETS) {
        const run = get(target);
        expect(run.code, `${target}: ${run.stderr}`).toBe(c.exit);
        for (const f of MUST_EXIST_FILES)
          expect(existsSync(join(run.session, f)), `${target} ${f}`).toBe(true);
        expect(existsSync(join(run.session, 'commands.jsonl'))).toBe(target !== 'local');
      }
    });

    it('osiris logs compare finds no difference against the local run', async () => {
      for (const target of ['sandbox-local', 'e2b'] as const) {
        const verdict = await runLogsCompare(get('local').session, get(target).session);
        expect(verdict.code, `${target}: ${verdict.output}`).toBe(0);
        expect(verdict.equal).toBe(true);
      }
    });

    it('has equal event counts per name (remote-only names aside) and valid event/metric lines', () => {
      const v = createLineValidators();
      const count = (session: string) => {
        const counts: Record<string, number> = {};
        for (const e of readSessionLines(session, 'events.jsonl')) {
          const name = String(e.event);
          if (name.startsWith('remote.') || name.startsWith('dependency_')) continue;
          counts[name] = (counts[name] ?? 0) + 1;
        }
        return counts;
      };
      const local = count(get('local').session);
      expect(local.step_start).toBeGreaterThan(0);
      for (const target of ['sandbox-local', 'e2b'] as const) {
        const session = get(target).session;
        expect(count(session), target).toEqual(local);
        for (const e of readSessionLines(session, 'events.jsonl'))
          expect(v.event(e), JSON.stringify(e)).toEqual([]);
        for (const m of readSessionLines(session, 'metrics.jsonl'))
          expect(v.metric(m), JSON.stringify(m)).toEqual([]);
        const remote = readSessionLines(session, 'metrics.jsonl').filter(
          (m) => m.metric === 'e2b_overhead_ms',
        );
        expect(remote).toEqual([
          expect.objectContaining({ tags: { transport: target === 'e2b' ? 'e2b' : 'local' } }),
        ]);
      }
    });

    it('writes byte-equal outputs to the same project paths, and the same artifact tree', () => {
      for (const out of c.outputs) {
        const local = readFileSync(join(get('local').project, out));
        expect(local.length).toBeGreaterThan(10);
        for (const target of ['sandbox-local', 'e2b'] as const)
          expect(readFileSync(join(get(target).project, out)).equals(local), `${target} ${out}`).toBe(true);
      }
      const tree = (session: string) => readdirSync(join(session, 'artifacts')).sort();
      for (const target of ['sandbox-local', 'e2b'] as const)
        expect(tree(get(target).session)).toEqual(tree(get('local').session));
    });

    it('writes status.json equal but for adapter, transport, ids and times', () => {
      const local = readStatus(get('local').session);
      expect(local.adapter).toBe('local');
      for (const target of ['sandbox-local', 'e2b'] as const) {
        const status = readStatus(get(target).session);
        expect(status).toMatchObject({ adapter: 'remote', transport: target === 'e2b' ? 'e2b' : 'local' });
        expect(normalizeStatus(status)).toEqual(normalizeStatus(local));
      }
      if (c.exit !== 0)
        expect(local).toMatchObject({ ok: false, failed_step: 't_bad', error: { code: 'sql_error' } });
    });

    it('leaves no sandbox alive', () => {
      expect(env.fake.stats.alive()).toBe(0);
      expect(listSandboxDirs(env)).toEqual([]);
    });
  });
}

describe('parity: the comparison itself', () => {
  it('is not vacuous: two different pipelines differ', async () => {
    const [a, b] = [localSessions.get(CASES[0].name), localSessions.get(CASES[2].name)];
    expect(a && b).toBeTruthy();
    const verdict = await runLogsCompare(a as string, b as string);
    expect(verdict.code).toBe(1);
    expect(verdict.equal).toBe(false);
  });
});
