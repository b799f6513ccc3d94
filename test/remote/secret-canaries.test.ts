// Secret canaries (issue 8 §2): distinctive passwords in the connections never reach a file of
// the session or the project, the sandbox's files, commands.jsonl, stdout/stderr, nor anything the fake envd
// received on disk or in argv/env — in raw, URL-encoded, JSON-escaped, base64 or hex form, any case. Only the
// in-memory `prepare` message on the worker's stdin carries them (checked too, so the scan is not vacuous).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSecretForms } from '../../src/core/mask.js';
import { createPostgresLogin, runPsql } from '../db/db-test-kit.js';
import { readDbServers } from '../support/read-db-servers.js';
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
  spawnOsiris,
  startRemoteEnv,
} from './remote-run-kit.js';
import {
  findBoundSecret,
  findFormsAnyCase,
  findSessionDamage,
  listUnparsableJson,
} from './secret-scan-kit.js';

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
    // one step after another: the zero-server steps write their files before e_db fails
    const result = await runOnTarget(
      target,
      env,
      project,
      'pipelines/canary.yaml',
      ['--verbose', '--concurrency', '1'],
      {
        PG_PASSWORD_URLENC: encodeURIComponent(PG_CANARY),
        OSIRIS_LOCAL_SANDBOX_KEEP: '1',
      },
    ).done;
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

// Issue 8 §2: a table of passwords — short, common words, URL specials, quotes/backslash/unicode — each
// through local and --sandbox local runs (success and failure), connections list/doctor and logs html.
// Every file parses; a distinctive password appears in no form anywhere (any case); a common word is
// checked where it would be the secret (credential positions, cleaned configs, log messages).
const TABLE = [
  { pw: 'k9!', word: false },
  { pw: 'true', word: true },
  { pw: 'step', word: true },
  { pw: 'postgres', word: true },
  { pw: '2026', word: true },
  { pw: 'null', word: true },
  { pw: 'a:b@c/d?e#f', word: false },
  { pw: 'q@x?tail', word: false },
  { pw: `q"u'o\\te ü€`, word: false },
];
const AMBIGUOUS = new Set(['a:b@c/d?e#f', 'q@x?tail']);
const step = (id: string, conn: string, query: string) =>
  `  - id: ${id}\n    component: postgres.extractor\n    mode: read\n    config: { connection: "@postgres.${conn}", query: "${query}" }\n`;
const HEAD = 'oml_version: "0.1.0"\nname: canary-table\nsteps:\n';
const GOOD = `${HEAD}${step('e_fields', 'fields', 'SELECT id, name FROM canary_people ORDER BY id')}${step('e_dsn', 'dsn', 'SELECT id, name FROM canary_people ORDER BY id')}  - id: w_out
    component: filesystem.csv_writer
    mode: write
    needs: [e_dsn]
    config: { path: out/people.csv }
`;
const BAD = `${HEAD}${step('e_fields', 'fields', 'SELECT id FROM canary_people')}${step('e_raw', 'raw', 'SELECT no_such_column FROM canary_people')}`;
const connectionsFor = (role: string) => `connections:
  postgres:
    fields: { host: 127.0.0.1, port: "\${PG_PORT}", user: ${role}, password: "\${CANARY_PW}", database: etl }
    dsn: { dsn: "postgresql://${role}:\${CANARY_PW_ENC}@127.0.0.1:\${PG_PORT}/etl" }
    raw: { dsn: "postgresql://${role}:\${CANARY_PW}@127.0.0.1:\${PG_PORT}/etl" }
`;

describe('password table through runs, connections list/doctor and logs html', () => {
  let tableEnv: RemoteEnv;
  const problems = new Map<string, string[]>();

  beforeAll(async () => {
    const { postgres } = readDbServers();
    tableEnv = await startRemoteEnv();
    await runPsql(
      postgres,
      "DROP TABLE IF EXISTS public.canary_people; CREATE TABLE public.canary_people (id int, name text); INSERT INTO public.canary_people VALUES (1, 'Ada'), (2, 'Grace')",
    );
    // roles and grants one at a time: concurrent GRANTs on one table fail with "tuple concurrently updated"
    for (const [i, { pw }] of TABLE.entries()) {
      await createPostgresLogin(postgres, `canary_pw_${i}`, pw);
      await runPsql(postgres, `GRANT SELECT ON public.canary_people TO canary_pw_${i}`);
    }
    await Promise.all(
      TABLE.map(async ({ pw }, i) => {
        const role = `canary_pw_${i}`;
        const env = { PG_PORT: String(postgres.port), CANARY_PW: pw, CANARY_PW_ENC: encodeURIComponent(pw) };
        const project = tableEnv.project({ 'pipelines/good.yaml': GOOD, 'pipelines/bad.yaml': BAD });
        writeFileSync(join(project, 'osiris_connections.yaml'), connectionsFor(role));
        // a run that breaks the session (the old text masking did) is this password's finding, not the suite's
        const found = await exercise(project, pw, env).catch((e: unknown) => [`broken: ${String(e)}`]);
        problems.set(pw, found);
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await tableEnv?.close();
  });

  async function exercise(project: string, pw: string, env: Record<string, string>): Promise<string[]> {
    const found: string[] = [];
    const texts: Array<[string, string]> = [];
    const runCli = async (args: string[]) => {
      const r = await spawnOsiris(args, { cwd: project, env: { ...env, TMPDIR: tableEnv.tmp } }).done;
      texts.push(
        [`${args.slice(0, 2).join(' ')} stdout`, r.stdout],
        [`${args.slice(0, 2).join(' ')} stderr`, r.stderr],
      );
      return r;
    };
    const sandboxFiles: string[] = [];
    for (const target of ['local', 'sandbox-local'] as const) {
      for (const [file, wantOk] of [
        ['pipelines/good.yaml', true],
        ['pipelines/bad.yaml', false],
      ] as const) {
        const extra = target === 'local' ? [] : ['--sandbox', 'local'];
        const r = await runCli(['run', file, '--logs-dir', 'logs', ...extra]);
        const session = findLatestSession(project) as string;
        const status = readStatus(session) as { ok: boolean; error?: { code: string; message: string } };
        if (status.ok !== wantOk || r.code !== (wantOk ? 0 : 1))
          found.push(
            `${target} ${file}: exit ${r.code}, status ${JSON.stringify(status)}, ${r.stderr.slice(0, 400)}`,
          );
        const code = AMBIGUOUS.has(pw) ? 'config_error' : 'sql_error';
        if (!wantOk && status.error?.code !== code) found.push(`${target} ${file}: expected ${code}`);
        if (!wantOk && AMBIGUOUS.has(pw) && !/percent-encode/.test(status.error?.message ?? ''))
          found.push(`${target}: the refusal does not say to percent-encode`);
        await runCli(['logs', 'html', session]);
        if (target === 'sandbox-local') {
          const root = findSandboxRoot(target, tableEnv, session);
          if (root)
            sandboxFiles.push(...listFilesDeep(root).filter((f) => !relative(root, f).startsWith('worker/')));
        }
      }
    }
    const list = await runCli(['connections', 'list', '--json']);
    const listed = JSON.parse(list.stdout) as {
      connections: Array<{ alias: string; fields: Record<string, unknown> }>;
    };
    for (const c of listed.connections) {
      if ('password' in c.fields && c.fields.password !== '***MASKED***')
        found.push(`list ${c.alias}: password`);
      if (typeof c.fields.dsn === 'string' && !c.fields.dsn.includes(':***MASKED***@127.0.0.1'))
        found.push(`list ${c.alias}: dsn ${c.fields.dsn.length} chars, password not masked`);
    }
    const doctor = await runCli(['connections', 'doctor', '--json']);
    const probes = JSON.parse(doctor.stdout) as {
      connections: Array<{ connection: string; ok: boolean; error?: { code: string } }>;
    };
    const byName = Object.fromEntries(probes.connections.map((p) => [p.connection, p]));
    if (!byName['@postgres.fields']?.ok || !byName['@postgres.dsn']?.ok)
      found.push('doctor: a good connection failed');
    const rawOk = byName['@postgres.raw']?.ok ?? false;
    if (rawOk === AMBIGUOUS.has(pw) || (!rawOk && byName['@postgres.raw']?.error?.code !== 'config_error'))
      found.push(`doctor: raw dsn ${JSON.stringify(byName['@postgres.raw'])}`);
    if (readFileSync(join(project, 'out', 'people.csv'), 'utf8') !== 'id,name\n1,Ada\n2,Grace\n')
      found.push('the successful runs did not write their rows');

    const files = [
      ...listFilesDeep(project).filter((f) => relative(project, f) !== 'osiris_connections.yaml'),
      ...sandboxFiles,
    ];
    const broken = listUnparsableJson(files);
    found.push(...broken);
    for (const file of files) texts.push([relative(project, file), readFileSync(file, 'utf8')]);
    for (const [where, text] of texts)
      if (!broken.some((b) => b.startsWith(join(project, where))))
        found.push(...findSessionDamage(where, text));
    for (const [where, text] of texts) {
      found.push(...findBoundSecret(where, text, pw));
      if (!pw || TABLE.find((t) => t.pw === pw)?.word) continue;
      // the part after an unencoded `@` is what a wrong split would leak as host or options
      const tail = AMBIGUOUS.has(pw) ? [pw.slice(pw.indexOf('@') + 1)] : [];
      found.push(...findFormsAnyCase(where, text, [...listSecretForms(pw), ...tail]));
    }
    return found;
  }

  for (const { pw, word } of TABLE) {
    it(`${JSON.stringify(pw)}${word ? ' (a common word)' : ''}: runs succeed or refuse clearly, every file parses, no form of it leaks`, () => {
      expect(problems.get(pw)).toEqual([]);
    });
  }

  it('a pipeline whose config holds a secret of the run is refused before anything is written', async () => {
    const project = tableEnv.project({
      'pipelines/inline.yaml': `${HEAD}${step('e_inline', 'fields', "SELECT 'Inline-Canary-8c1e' AS pw")}`,
    });
    writeFileSync(join(project, 'osiris_connections.yaml'), connectionsFor('nobody'));
    const env = { PG_PORT: '1', CANARY_PW: 'Inline-Canary-8c1e', CANARY_PW_ENC: 'x', TMPDIR: tableEnv.tmp };
    const r = await spawnOsiris(['run', 'pipelines/inline.yaml', '--logs-dir', 'logs'], { cwd: project, env })
      .done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config_error.*cfg\/e_inline\.json: the value at 'query' holds a secret/);
    expect(r.stderr).not.toContain('Inline-Canary-8c1e');
    expect(findLatestSession(project)).toBeUndefined();
  });

  it('the checks find a leak where there is one (not vacuous)', () => {
    expect(
      findBoundSecret('x/osiris.log', '2026-12-02T00:00:00Z INFO  login step failed', 'step'),
    ).toHaveLength(1);
    expect(findBoundSecret('x', 'postgresql://u:true@h/db', 'true')).toHaveLength(1);
    expect(
      findFormsAnyCase('x', `a ${Buffer.from('k9!').toString('hex').toUpperCase()}`, listSecretForms('k9!')),
    ).toHaveLength(1);
    expect(listUnparsableJson([])).toEqual([]);
  });
});
