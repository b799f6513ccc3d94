// Ctrl-C while a database extraction streams rows (real CLI, real signal, the suite's real MariaDB and
// PostgreSQL): the run ends within seconds with exit 130, status interrupted, and the server-side
// statement does not keep the CLI waiting.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDbServers } from '../support/read-db-servers.js';
import { OSIRIS_BIN, createProject, findOnlySession } from '../support/run-osiris.js';
import { createServerEnv } from './db-test-kit.js';

const { mariadb, postgres } = readDbServers();

const CONNECTIONS = `connections:
  mysql:
    main:
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: ${mariadb.database}
  postgres:
    main:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: ${postgres.database}
`;

/** An extraction whose rows trickle out for ~100 s, then a CSV writer. */
const renderSlow = (family: 'mysql' | 'postgres'): string => {
  const query =
    family === 'mysql'
      ? 'SELECT seq AS n, SLEEP(0.001) AS s FROM seq_1_to_100000'
      : 'SELECT n, pg_sleep(0.001) IS NULL AS s FROM generate_series(1, 100000) AS n';
  return `oml_version: "0.1.0"
name: slow-${family}
steps:
  - id: extract
    component: ${family}.extractor
    mode: read
    config:
      connection: "@${family}.main"
      query: "${query}"
  - id: write
    component: filesystem.csv_writer
    mode: write
    needs: [extract]
    config: { path: out/rows.csv }
`;
};

describe('Ctrl-C during a database extraction', () => {
  it.each([['mysql'], ['postgres']] as const)(
    '%s: exit 130 within seconds, status interrupted',
    async (family) => {
      const project = createProject({
        'slow.yaml': renderSlow(family),
        'osiris_connections.yaml': CONNECTIONS,
      });
      const child = spawn(process.execPath, [OSIRIS_BIN, 'run', 'slow.yaml'], {
        cwd: project,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ...createServerEnv(mariadb, postgres),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((r) => child.on('close', r));
      // well into the extraction: the rows are streaming
      await new Promise((r) => setTimeout(r, 2500));
      expect(child.exitCode, stderr).toBeNull();
      const sent = Date.now();
      child.kill('SIGINT');
      const code = await closed;
      expect(code).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5000);
      const status = JSON.parse(
        readFileSync(join(findOnlySession(join(project, 'logs')), 'status.json'), 'utf8'),
      );
      expect(status).toMatchObject({
        ok: false,
        exit_code: 130,
        failed_step: 'extract',
        error: { code: 'interrupted' },
      });
    },
    60_000,
  );
});
