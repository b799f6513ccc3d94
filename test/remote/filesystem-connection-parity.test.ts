// A pipeline in the upstream Python Osiris shape (`connection: "@filesystem.<alias>"` + `parse_dates`) on
// every target: inputs are read under base_dir (uploaded to the sandbox like plain paths), outputs land
// under base_dir on the host, the parse_dates column is TIMESTAMP downstream, and the sessions compare equal.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteEnv, Target } from './remote-run-kit.js';
import {
  TARGETS,
  findLatestSession,
  readStatus,
  runLogsCompare,
  runOnTarget,
  startRemoteEnv,
} from './remote-run-kit.js';

const CONNECTIONS = [
  'connections:',
  '  filesystem:',
  '    exports:',
  '      base_dir: ./data/exports',
  '    elsewhere:',
  '      base_dir: ./data/missing',
  '',
].join('\n');

const PIPELINE = [
  'oml_version: "0.1.0"',
  'name: process-exports',
  'steps:',
  '  - id: extract-customers',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: customers.csv',
  '      parse_dates: ["created_at", "signup_day"]',
  '  - id: extract-orders',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: orders.csv',
  '  - id: summarize',
  '    component: duckdb.processor',
  '    mode: transform',
  '    needs: ["extract-customers", "extract-orders"]',
  '    config:',
  '      query: |',
  '        SELECT c.id, c.name, typeof(c.created_at) AS created_type, c.created_at,',
  '               typeof(c.signup_day) AS signup_type, c.signup_day,',
  "               date_trunc('month', c.created_at) AS month, sum(o.amount) AS total",
  '        FROM df_extract_customers c JOIN df_extract_orders o ON o.customer_id = c.id',
  '        GROUP BY ALL ORDER BY c.id',
  '  - id: write-summary',
  '    component: filesystem.csv_writer',
  '    mode: write',
  '    needs: ["summarize"]',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: out/summary.csv',
  '  - id: write-summary-parquet',
  '    component: filesystem.parquet_writer',
  '    mode: write',
  '    needs: ["summarize"]',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: out/summary.parquet',
  '',
].join('\n');

const FILES = {
  'osiris_connections.yaml': CONNECTIONS,
  // signup_day holds dates only: detected as DATE, converted in the data plane (locally and in the sandbox)
  'data/exports/customers.csv':
    'id,name,created_at,signup_day\n1,Ann,2024-01-15 10:30:00,2024-01-10\n2,Bob,2024-02-01,2024-01-31\n',
  'data/exports/orders.csv': 'order_id,customer_id,amount\n10,1,9.50\n11,1,0.50\n12,2,20.00\n',
  'pipelines/exports.yaml': PIPELINE,
  // the same shape with a bad date and with an alias the connections file lacks
  'data/exports/bad.csv':
    'id,name,created_at,signup_day\n1,Ann,2024-01-15,2024-01-01\n2,Bob,yesterday,2024-01-02\n',
  'pipelines/bad-date.yaml': PIPELINE.replace('path: customers.csv', 'path: bad.csv'),
  'pipelines/unknown-alias.yaml': PIPELINE.replace(
    '"@filesystem.exports"\n      path: orders.csv',
    '"@filesystem.nope"\n      path: orders.csv',
  ),
  'pipelines/missing-base.yaml': PIPELINE.replace(
    '"@filesystem.exports"\n      path: out/summary.csv',
    '"@filesystem.elsewhere"\n      path: out/summary.csv',
  ),
};

const EXPECTED_SUMMARY =
  'id,name,created_type,created_at,signup_type,signup_day,month,total\n' +
  '1,Ann,TIMESTAMP,2024-01-15 10:30:00,TIMESTAMP,2024-01-10 00:00:00,2024-01-01 00:00:00,10.00\n' +
  '2,Bob,TIMESTAMP,2024-02-01 00:00:00,TIMESTAMP,2024-01-31 00:00:00,2024-02-01 00:00:00,20.00\n';

interface TargetRun {
  code: number | null;
  session: string;
  project: string;
  stderr: string;
}

let env: RemoteEnv;
beforeAll(async () => {
  env = await startRemoteEnv();
});
afterAll(async () => {
  await env?.close();
});

async function runEverywhere(file: string): Promise<Map<Target, TargetRun>> {
  const runs = new Map<Target, TargetRun>();
  for (const target of TARGETS) {
    const project = env.project(FILES);
    const result = await runOnTarget(target, env, project, file).done;
    runs.set(target, {
      code: result.code,
      session: findLatestSession(project) ?? '',
      project,
      stderr: result.stderr,
    });
  }
  return runs;
}

describe('upstream filesystem pipeline on every target', () => {
  let runs: Map<Target, TargetRun>;
  const get = (t: Target): TargetRun => runs.get(t) as TargetRun;
  beforeAll(async () => {
    runs = await runEverywhere('pipelines/exports.yaml');
  }, 180_000);

  it('succeeds and writes under base_dir on the host, parse_dates column TIMESTAMP downstream', () => {
    for (const target of TARGETS) {
      const run = get(target);
      expect(run.code, `${target}: ${run.stderr}`).toBe(0);
      const out = join(run.project, 'data', 'exports', 'out');
      expect(readFileSync(join(out, 'summary.csv'), 'utf8'), target).toBe(EXPECTED_SUMMARY);
      expect(readFileSync(join(out, 'summary.parquet')).subarray(0, 4).toString(), target).toBe('PAR1');
      // nothing relative to the project root, and the sandbox's base_dir marker never comes back
      expect(existsSync(join(run.project, 'out')), target).toBe(false);
      expect(existsSync(join(run.project, 'data', 'exports', '.osiris-base-dir')), target).toBe(false);
    }
  });

  it('writes byte-equal Parquet on every target', () => {
    const parquet = (t: Target) => readFileSync(join(get(t).project, 'data/exports/out/summary.parquet'));
    for (const target of ['sandbox-local', 'e2b'] as const)
      expect(parquet(target).equals(parquet('local'))).toBe(true);
  });

  it('osiris logs compare finds the local and remote sessions equal', async () => {
    for (const target of ['sandbox-local', 'e2b'] as const) {
      const verdict = await runLogsCompare(get('local').session, get(target).session);
      expect(verdict.code, `${target}: ${verdict.output}`).toBe(0);
      expect(verdict.equal).toBe(true);
    }
  });
});

describe('bad inputs fail the same step the same way on every target', () => {
  const cases = [
    {
      file: 'pipelines/bad-date.yaml',
      step: 'extract-customers',
      code: 'io_error',
      message:
        /data\/exports\/bad\.csv:3: column "created_at": could not convert string "yesterday" to 'TIMESTAMP' \(config\.parse_dates reads it as TIMESTAMP\)$/,
      // the message holds the file's absolute path, which differs between host and sandbox: compared
      // as `<path>`, like any absolute path (a local sandbox's own directory included)
      compare: true,
    },
    {
      file: 'pipelines/unknown-alias.yaml',
      step: 'extract-orders',
      code: 'connection_error',
      compare: true,
      message:
        /^connection @filesystem\.nope not found in .*osiris_connections\.yaml; filesystem aliases: exports, elsewhere$/,
    },
    {
      file: 'pipelines/missing-base.yaml',
      step: 'write-summary',
      code: 'connection_error',
      compare: true,
      message:
        /^step write-summary config\.connection: connection @filesystem\.elsewhere: base_dir '\.\/data\/missing' does not exist \(relative to the project directory\)$/,
    },
  ] as const;

  for (const c of cases) {
    it(`${c.file}: ${c.code} at ${c.step}${c.compare ? ', sessions equal' : ''}`, async () => {
      const runs = await runEverywhere(c.file);
      for (const target of TARGETS) {
        const run = runs.get(target) as TargetRun;
        expect(run.code, `${target}: ${run.stderr}`).toBe(1);
        const status = readStatus(run.session) as {
          failed_step: string;
          error: { code: string; message: string };
        };
        expect(status.failed_step, target).toBe(c.step);
        expect(status.error.code, target).toBe(c.code);
        expect(status.error.message, target).toMatch(c.message);
      }
      if (!c.compare) return;
      const local = (runs.get('local') as TargetRun).session;
      for (const target of ['sandbox-local', 'e2b'] as const) {
        const verdict = await runLogsCompare(local, (runs.get(target) as TargetRun).session);
        expect(verdict.equal, `${target}: ${verdict.output}`).toBe(true);
      }
    }, 180_000);
  }
});
