// Secret canaries (DESIGN 5.3): distinctive passwords in the connections never reach a file of the session
// or the project, the sandbox's files, commands.jsonl, stdout/stderr, nor anything the fake envd received
// on disk or in argv/env — in raw, URL-encoded, JSON-escaped or base64 form. Only the in-memory `prepare`
// message on the worker's stdin carries them (checked too, so the scan is not vacuous).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_FILES, ZERO_SERVER } from './parity-pipelines.js';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  TARGETS,
  findForms,
  findLatestSession,
  findSandboxRoot,
  listAllForms,
  listFilesDeep,
  readStatus,
  runOnTarget,
  startRemoteEnv,
} from './remote-run-kit.js';

const MYSQL_CANARY = 'My-Canary-7Hq+/=&"x';
const PG_CANARY = 'Pg#Canary?41&=/+ü';
const FORMS = listAllForms([MYSQL_CANARY, PG_CANARY]);

// The zero-server steps run and write files; then a MySQL step (canary password, unreachable server) fails;
// a PostgreSQL writer (password through an env variable in a DSN) never runs, but its connection is resolved.
const PIPELINE = `${ZERO_SERVER}  - id: e_db
    component: mysql.extractor
    mode: read
    config: { connection: "@mysql.canary", query: "SELECT 1", connect_timeout_ms: 2000 }
  - id: w_db
    component: postgres.writer
    mode: write
    needs: [t_join]
    config: { connection: "@postgres.canary", table: people }
`;
const CONNECTIONS = `connections:
  mysql:
    canary: { host: 127.0.0.1, port: 1, user: app, password: ${JSON.stringify(MYSQL_CANARY)}, database: etl }
  postgres:
    canary: { dsn: "postgresql://app:\${PG_PASSWORD_URLENC}@127.0.0.1:1/etl" }
`;

let env: RemoteEnv;
const findings = new Map<Target, string[]>();
const stdinHits: string[] = [];

beforeAll(async () => {
  env = await startRemoteEnv({ keepFilesAfterKill: true });
  for (const target of TARGETS) {
    const project = env.project({ ...PROJECT_FILES, 'pipelines/canary.yaml': PIPELINE });
    writeFileSync(join(project, 'osiris_connections.yaml'), CONNECTIONS);
    const stdinBefore = env.fake.stats.envdRequests.stdin.length;
    const result = await runOnTarget(target, env, project, 'pipelines/canary.yaml', ['--verbose'], {
      PG_PASSWORD_URLENC: encodeURIComponent(PG_CANARY),
      OSIRIS_LOCAL_SANDBOX_KEEP: '1',
    }).done;
    const session = findLatestSession(project) as string;
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(readStatus(session)).toMatchObject({ failed_step: 'e_db', steps_completed: 7 });
    const hits = [...findForms('stdout', result.stdout, FORMS), ...findForms('stderr', result.stderr, FORMS)];
    // every file the project holds after the run (build/, .osiris/, logs/, out/) but the two the user wrote with secrets
    for (const file of listFilesDeep(project)) {
      const rel = relative(project, file);
      if (rel === 'osiris_connections.yaml') continue;
      hits.push(...findForms(rel, readFileSync(file), FORMS));
    }
    if (target !== 'local') {
      const root = findSandboxRoot(target, env, session) as string;
      const files = listFilesDeep(root);
      expect(files.some((f) => f.endsWith('commands.jsonl'))).toBe(true);
      for (const file of files)
        hits.push(...findForms(`sandbox:${relative(root, file)}`, readFileSync(file), FORMS));
      if (target === 'sandbox-local') rmSync(root, { recursive: true, force: true });
    }
    if (target === 'e2b') {
      const got = env.fake.stats;
      for (const u of got.envdRequests.uploads)
        hits.push(...findForms(`envd upload ${u.path}`, u.bytes, FORMS));
      hits.push(...findForms('envd starts (argv, env, cwd)', JSON.stringify(got.envdRequests.starts), FORMS));
      hits.push(...findForms('envd paths', got.envdRequests.paths.join('\n'), FORMS));
      hits.push(...findForms('control plane create body', JSON.stringify(got.lastCreateBody), FORMS));
      const stdin = Buffer.concat(got.envdRequests.stdin.slice(stdinBefore));
      for (const [name, secret] of [
        ['mysql', MYSQL_CANARY],
        ['postgres', PG_CANARY],
      ] as const) {
        if (findForms('stdin', stdin, listAllForms([secret])).length > 0) stdinHits.push(name);
      }
    }
    findings.set(target, hits);
  }
}, 240_000);

afterAll(async () => {
  await env?.close();
});

describe('secret canaries', () => {
  for (const target of TARGETS) {
    it(`${target}: no form of any canary in any file, the sandbox, stdout/stderr or what envd received`, () => {
      expect(findings.get(target)).toEqual([]);
    });
  }

  it('the worker did receive both secrets, in memory only (the prepare message on stdin)', () => {
    expect(stdinHits.sort()).toEqual(['mysql', 'postgres']);
  });

  it('the scan finds a canary where there is one (not vacuous)', () => {
    expect(findForms('x', Buffer.from(`a${encodeURIComponent(PG_CANARY)}b`), FORMS)).toHaveLength(1);
    expect(
      findForms('x', Buffer.from(Buffer.from(MYSQL_CANARY).toString('base64')), FORMS).length,
    ).toBeGreaterThan(0);
  });
});
