// Real sessions from the real built CLI (`node bin/osiris.mjs run …`): a CSV → duckdb.processor → CSV
// pipeline run locally, in the local sandbox (the remote adapter's `local` transport) and on E2B through
// the offline fake (real `e2b` SDK, fake control plane + envd on loopback), the same pipeline with a SQL
// error, and a PostgreSQL step whose connection password is a canary.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeE2b } from '../support/fake-e2b/index.js';
import { REPO_ROOT, createProject, runOsiris } from '../support/run-osiris.js';

export const CANARY_PASSWORD = 'Canary-Rep0rt!pw/7f3K+=';

const pipeline = (name: string, where: string) => `oml_version: "0.1.0"
name: ${name}
steps:
  - id: extract-people
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/people.csv
  - id: extract-cities
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/cities.csv
  - id: adults-by-country
    component: duckdb.processor
    mode: transform
    needs: [extract-people, extract-cities]
    config:
      query: >
        SELECT c.country, count(*) AS adults FROM "extract-people" p
        JOIN df_extract_cities c ON p.city = c.city WHERE ${where}
        GROUP BY c.country ORDER BY c.country
  - id: write-report
    component: filesystem.csv_writer
    mode: write
    config:
      path: out/report.csv
`;

const PG_PIPELINE = `oml_version: "0.1.0"
name: pg-canary
steps:
  - id: extract-pg
    component: postgres.extractor
    mode: read
    config:
      connection: "@postgres.main"
      query: SELECT 1
      retry_attempts: 1
  - id: write-pg
    component: filesystem.csv_writer
    mode: write
    config:
      path: out/pg.csv
`;

const FILES = {
  'pipelines/people.yaml': pipeline('people-by-country', 'p.age >= 18'),
  'pipelines/broken.yaml': pipeline('people-broken', 'p.no_such_column >= 18'),
  'pipelines/pg.yaml': PG_PIPELINE,
  'data/people.csv':
    'id,name,age,city\n1,Ada,36,London\n2,Grace,45,New York\n3,Kid,9,London\n4,Linus,28,Helsinki\n',
  'data/cities.csv': 'city,country\nLondon,UK\nNew York,US\nHelsinki,FI\n',
  'osiris_connections.yaml':
    'connections:\n  postgres:\n    main:\n      default: true\n      host: 127.0.0.1\n      port: 1\n      user: osiris\n      password: ${PG_PASSWORD}\n      database: movies\n',
};

export interface ProducedSessions {
  project: string;
  logsDir: string;
  ok: string;
  failed: string;
  remoteOk: string;
  remoteFailed: string;
  e2bOk: string;
  canary: string;
  /** stdout+stderr of every run (for secret scans). */
  output: string;
}

async function runInto(
  project: string,
  logsDir: string,
  args: string[],
  expectCode: number,
  log: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const before = new Set(readdirSync(logsDir));
  const r = await runOsiris(['run', ...args, '--logs-dir', logsDir], {
    cwd: project,
    env: { PG_PASSWORD: CANARY_PASSWORD, ...env },
    timeoutMs: 90_000,
  });
  log.push(r.stdout, r.stderr);
  if (r.code !== expectCode)
    throw new Error(`osiris run ${args.join(' ')} exited ${r.code}, expected ${expectCode}\n${r.stderr}`);
  const added = readdirSync(logsDir).filter((n) => n.startsWith('run_') && !before.has(n));
  if (added.length !== 1) throw new Error(`expected one new session, got ${added.join(', ')}`);
  return join(logsDir, added[0] as string);
}

export async function produceSessions(): Promise<ProducedSessions> {
  const project = createProject(FILES);
  const logsDir = join(project, 'logs');
  mkdirSync(logsDir);
  const log: string[] = [];
  const ok = await runInto(project, logsDir, ['pipelines/people.yaml'], 0, log);
  const failed = await runInto(project, logsDir, ['pipelines/broken.yaml'], 1, log);
  const remoteOk = await runInto(project, logsDir, ['pipelines/people.yaml', '--sandbox', 'local'], 0, log);
  const remoteFailed = await runInto(
    project,
    logsDir,
    ['pipelines/broken.yaml', '--sandbox', 'local'],
    1,
    log,
  );
  // template `osiris` = this repository's node_modules baked into the fake sandbox
  const fake = await startFakeE2b({ templates: { osiris: REPO_ROOT } });
  let e2bOk: string;
  try {
    const e2bEnv = { E2B_API_KEY: fake.apiKey, E2B_API_URL: fake.apiUrl, E2B_SANDBOX_URL: fake.sandboxUrl };
    e2bOk = await runInto(
      project,
      logsDir,
      ['pipelines/people.yaml', '--e2b', '--e2b-template', 'osiris'],
      0,
      log,
      e2bEnv,
    );
  } finally {
    await fake.close();
  }
  const canary = await runInto(project, logsDir, ['pipelines/pg.yaml'], 1, log);
  return { project, logsDir, ok, failed, remoteOk, remoteFailed, e2bOk, canary, output: log.join('\n') };
}
