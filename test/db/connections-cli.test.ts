// `osiris connections list` and `connections doctor` through the real CLI against the real MariaDB and
// PostgreSQL test servers (started by test/support/global-db-setup.ts), with canary passwords.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSecretForms } from '../../src/core/index.js';
import { readDbServers } from '../support/read-db-servers.js';
import { createServerEnv } from './db-test-kit.js';
import { createProject, runOsiris } from '../support/run-osiris.js';

const CONNECTIONS = `connections:
  mysql:
    movies:
      default: true
      host: \${MYSQL_HOST}
      port: \${MYSQL_PORT}
      user: \${MYSQL_USER}
      password: \${MYSQL_PASSWORD}
      database: movies
  postgres:
    warehouse:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: \${PG_PASSWORD}
      database: etl
    wrong:
      host: \${PG_HOST}
      port: \${PG_PORT}
      user: \${PG_USER}
      password: not-the-password-Zx9
      database: etl
`;

describe('connections list / doctor (real servers)', () => {
  const { mariadb, postgres } = readDbServers();
  const env = createServerEnv(mariadb, postgres);
  const secrets = [mariadb.password, postgres.password, 'not-the-password-Zx9'];
  const expectNoSecret = (text: string) => {
    for (const form of secrets.flatMap(listSecretForms)) expect(text).not.toContain(form);
  };

  it('list masks every password', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await runOsiris(['connections', 'list', '--json'], { cwd: project, env });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.connections.map((c: { family: string; alias: string }) => `@${c.family}.${c.alias}`)).toEqual([
      '@mysql.movies',
      '@postgres.warehouse',
      '@postgres.wrong',
    ]);
    expect(out.connections[0].fields.password).toBe('***MASKED***');
    expectNoSecret(result.stdout + result.stderr);
  });

  it('doctor connects to each server, reports latency, and fails (exit 1) with a masked error for a wrong password', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    const result = await runOsiris(['connections', 'doctor', '--json'], { cwd: project, env });
    expect(result.code).toBe(1);
    const out = JSON.parse(result.stdout);
    const byName = Object.fromEntries(out.connections.map((c: { connection: string }) => [c.connection, c]));
    expect(byName['@mysql.movies']).toMatchObject({ ok: true });
    expect(byName['@mysql.movies'].latency_ms).toBeGreaterThanOrEqual(0);
    expect(byName['@postgres.warehouse']).toMatchObject({ ok: true });
    expect(byName['@postgres.wrong']).toMatchObject({ ok: false, error: { code: 'connection_error' } });
    expect(byName['@postgres.wrong'].error.message).toMatch(/password authentication failed/);
    expectNoSecret(result.stdout + result.stderr);

    const one = await runOsiris(['connections', 'doctor', '@postgres.warehouse'], { cwd: project, env });
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^✓ @postgres\.warehouse\s+\d+ ms/);
  });

  it('doctor on an unknown alias is a clear error', async () => {
    const project = createProject({ 'osiris_connections.yaml': CONNECTIONS });
    writeFileSync(join(project, '.env'), '');
    const result = await runOsiris(['connections', 'doctor', '@postgres.nope'], { cwd: project, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /connection @postgres\.nope not found in .*osiris_connections\.yaml; postgres aliases: warehouse, wrong/,
    );
  });

  it('list masks a DSN password with an unencoded @ and # whole, and doctor refuses it without its value', async () => {
    const project = createProject({
      'osiris_connections.yaml': `connections:\n  postgres:\n    tail:\n      dsn: postgresql://u:\${TAIL_PW}@127.0.0.1:1/db\n`,
    });
    const tailEnv = { TAIL_PW: 'Secr3t@#VeryLongTailPart' };
    const list = await runOsiris(['connections', 'list'], { cwd: project, env: tailEnv });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('"dsn":"postgresql://u:***MASKED***@127.0.0.1:1/db"');
    const doctor = await runOsiris(['connections', 'doctor', '--json'], { cwd: project, env: tailEnv });
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout).connections[0]).toMatchObject({
      ok: false,
      error: { code: 'config_error' },
    });
    for (const part of ['Secr3t', 'VeryLong', 'TailPart', '#Very'])
      expect(list.stdout + list.stderr + doctor.stdout + doctor.stderr).not.toContain(part);
  });
});
