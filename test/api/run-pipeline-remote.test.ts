// The library alone runs a pipeline in a sandbox: runPipeline with a remote adapter on the local transport,
// no CLI code. The remote adapter takes the run's connections from the prepared run (a verified-TLS
// PostgreSQL connection whose CA is a host file path, and a connection that does not resolve), and the
// statuses, cleaned configs and outputs equal those of the same plan run in process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/api/compile-pipeline.js';
import { createDriverTable } from '../../src/api/driver-table.js';
import { runPipeline } from '../../src/api/run-pipeline.js';
import type { RunResult } from '../../src/api/run-pipeline.js';
import { createRemoteAdapter } from '../../src/remote/remote-adapter.js';
import { createLocalTransport } from '../../src/remote/transports/local-transport.js';
import { readDbServers } from '../support/read-db-servers.js';
import { REPO_ROOT, createProject } from '../support/run-osiris.js';

const NUMBERS = `oml_version: "0.1.0"
name: library-remote
steps:
  - id: e_numbers
    component: postgres.extractor
    mode: read
    config: { connection: "@postgres.main", query: "SELECT n, 'row ' || n AS label FROM generate_series(1, 5) AS g(n) ORDER BY n" }
  - id: w_csv
    component: filesystem.csv_writer
    mode: write
    needs: [e_numbers]
    config: { path: out/numbers.csv }
`;

const UNRESOLVED = `oml_version: "0.1.0"
name: library-remote-unresolved
steps:
  - id: e_nowhere
    component: postgres.extractor
    mode: read
    config: { connection: "@postgres.nowhere", query: "SELECT 1" }
`;

function createDbProject(): string {
  const { postgres } = readDbServers();
  const project = createProject({
    'pipelines/numbers.yaml': NUMBERS,
    'pipelines/unresolved.yaml': UNRESOLVED,
  });
  writeFileSync(
    join(project, 'osiris_connections.yaml'),
    `connections:\n  postgres:\n    main: { host: localhost, port: ${postgres.port}, user: ${postgres.user}, ` +
      `password: "\${PG_PW}", database: ${postgres.database}, sslmode: verify-full, sslrootcert: "${postgres.sslCert}" }\n`,
  );
  return project;
}

/** Run a pipeline of the project through the library API only, in process or in a local sandbox. */
async function runPlan(project: string, pipeline: string, where: 'local' | 'remote'): Promise<RunResult> {
  const drivers = createDriverTable();
  const plan = compilePipeline({
    file: pipeline,
    params: {},
    profile: 'default',
    cwd: project,
    env: {},
    drivers,
  });
  return runPipeline({
    plan,
    drivers,
    env: { PG_PW: readDbServers().postgres.password },
    logsDir: `logs-${where}`,
    ...(where === 'remote'
      ? {
          createAdapter: (bound) =>
            createRemoteAdapter({
              transport: createLocalTransport({ template: REPO_ROOT }),
              sandbox: { cpu: 1, memoryMb: 512, timeoutMs: 120_000, template: undefined },
              installDeps: false,
              workerDir: join(REPO_ROOT, 'dist', 'worker'),
              drivers: bound,
            }),
        }
      : {}),
  });
}

const readText = (...parts: string[]): string => readFileSync(join(...parts), 'utf8');

describe('runPipeline with a remote adapter, library API only', () => {
  it('runs a pipeline with a TLS connection in a local sandbox, as it runs in process', async () => {
    const project = createDbProject();
    const local = await runPlan(project, 'pipelines/numbers.yaml', 'local');
    expect(local.status.error).toBeUndefined();
    const localCsv = readText(project, 'out/numbers.csv');

    const remote = await runPlan(project, 'pipelines/numbers.yaml', 'remote');
    expect(remote.status.error).toBeUndefined();
    expect(remote.status).toMatchObject({
      ok: true,
      adapter: 'remote',
      transport: 'local',
      steps_completed: 2,
    });
    expect(remote.status).toMatchObject({
      rows_read: local.status.rows_read,
      rows_written: local.status.rows_written,
    });
    expect(readText(project, 'out/numbers.csv')).toBe(localCsv);
    expect(localCsv.split('\n')[1]).toBe('1,row 1');
    // the same resolved connection (CA by path, password masked) reached the step on both sides
    const cleaned = 'artifacts/e_numbers/cleaned_config.json';
    expect(readText(remote.sessionDir, cleaned)).toBe(readText(local.sessionDir, cleaned));
    expect(readText(remote.sessionDir, cleaned)).not.toContain(readDbServers().postgres.password);
  }, 120_000);

  it('sends a connection that did not resolve as its error: the step fails as it does in process', async () => {
    const project = createDbProject();
    const local = await runPlan(project, 'pipelines/unresolved.yaml', 'local');
    const remote = await runPlan(project, 'pipelines/unresolved.yaml', 'remote');
    expect(local.status).toMatchObject({ ok: false, failed_step: 'e_nowhere' });
    expect(local.status.error?.code).toBe('connection_error');
    expect(remote.status).toMatchObject({ ok: false, failed_step: 'e_nowhere', adapter: 'remote' });
    expect(remote.status.error).toEqual(local.status.error);
  }, 120_000);
});
