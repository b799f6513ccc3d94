// sslmode and sslrootcert of PostgreSQL-protocol connections, against the real test server (TLS on, a
// self-signed certificate for localhost and 127.0.0.1 made by test/support/start-postgres.sh), plus a
// loopback fake that refuses TLS to show the `prefer` fallback.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseEndpoint } from '../../src/drivers/sql/database-endpoint.js';
import { openPostgresSession } from '../../src/drivers/postgres/postgres-client.js';
import { planPostgresConnection } from '../../src/drivers/postgres/plan-postgres-connection.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { createProject, runOsiris } from '../support/run-osiris.js';

let postgres: DbServer;
const warnings: string[] = [];
const onWarning = (w: Error): void => void warnings.push(w.message);

beforeAll(() => {
  ({ postgres } = readDbServers());
  process.on('warning', onWarning);
});
afterAll(() => {
  process.off('warning', onWarning);
});

function endpointOf(fields: Record<string, unknown>, family: 'postgres' | 'supabase' = 'postgres') {
  return readDatabaseEndpoint(createServerConnection(family, postgres, fields), 'step tls');
}

/** Connect and ask the server whether this connection is encrypted. */
async function connectAndAskSsl(fields: Record<string, unknown>, family?: 'postgres' | 'supabase') {
  const session = await openPostgresSession(endpointOf(fields, family), {
    connectTimeoutMs: 5000,
    where: 'step tls',
  });
  try {
    const result = await session.query('SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return result.rows[0]?.[0];
  } finally {
    await session.close();
  }
}

describe('PostgreSQL TLS (real server with TLS on)', () => {
  it('the test server has a certificate', () => {
    expect(postgres.sslCert).toBeTruthy();
    expect(readFileSync(postgres.sslCert as string, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('plain without sslmode; disable is plain; require, prefer and allow encrypt', async () => {
    expect(await connectAndAskSsl({})).toBe('false');
    expect(await connectAndAskSsl({ sslmode: 'disable' })).toBe('false');
    expect(await connectAndAskSsl({ sslmode: 'require' })).toBe('true');
    expect(await connectAndAskSsl({ sslmode: 'prefer' })).toBe('true');
    expect(await connectAndAskSsl({ sslmode: 'allow' })).toBe('true');
  });

  it('a DSN with sslmode=require encrypts without node-postgres turning it into verify-full', async () => {
    const dsn = `postgresql://postgres:${encodeURIComponent(postgres.password)}@127.0.0.1:${postgres.port}/${postgres.database}?sslmode=require&application_name=tls-test`;
    const before = warnings.length;
    // as the connections registry resolves it: the DSN plus its decoded parts
    expect(await connectAndAskSsl({ dsn }, 'supabase')).toBe('true');
    expect(warnings.slice(before).filter((w) => /SSL|sslmode/i.test(w))).toEqual([]);
  });

  it('verify-full and verify-ca accept the server with its CA as a file or as PEM text', async () => {
    const cert = postgres.sslCert as string;
    expect(await connectAndAskSsl({ host: 'localhost', sslmode: 'verify-full', sslrootcert: cert })).toBe(
      'true',
    );
    expect(await connectAndAskSsl({ sslmode: 'verify-full', sslrootcert: cert })).toBe('true');
    const pem = readFileSync(cert, 'utf8');
    expect(await connectAndAskSsl({ sslmode: 'verify-ca', sslrootcert: pem })).toBe('true');
    // libpq: require with a root certificate verifies the chain
    expect(await connectAndAskSsl({ sslmode: 'require', sslrootcert: pem })).toBe('true');
  });

  it('verify-full without the CA refuses the self-signed certificate: connection_error, a hint, no secret', async () => {
    const failure = await connectAndAskSsl({ sslmode: 'verify-full' }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(failure?.code).toBe('connection_error');
    expect(failure?.message).toMatch(/certificate/);
    expect(failure?.message).toMatch(/sslmode and sslrootcert/);
    expect(failure?.message).not.toContain(postgres.password);
  });

  it('refuses an unknown sslmode and a relative or missing sslrootcert, naming the connection', () => {
    expect(() => planPostgresConnection(endpointOf({ sslmode: 'required' }))).toThrow(
      /@postgres\.test: sslmode 'required' is not one of disable, allow, prefer, require, verify-ca, verify-full/,
    );
    expect(() => planPostgresConnection(endpointOf({ sslmode: 'verify-ca', sslrootcert: 'ca.pem' }))).toThrow(
      /'sslrootcert' must be PEM text or an absolute file path, got 'ca.pem'/,
    );
    expect(() =>
      planPostgresConnection(endpointOf({ sslmode: 'verify-ca', sslrootcert: '/nonexistent/ca.pem' })),
    ).toThrow(/cannot read sslrootcert \/nonexistent\/ca\.pem/);
    // a damaged CA file was skipped by TLS and surfaced as "self-signed certificate" at connect
    const dir = mkdtempSync(join(tmpdir(), 'osiris-ca-'));
    const damaged = join(dir, 'ca.pem');
    writeFileSync(damaged, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(() => planPostgresConnection(endpointOf({ sslmode: 'verify-ca', sslrootcert: damaged }))).toThrow(
      `sslrootcert ${damaged} has a certificate that does not parse (block 1 of 1) (expected PEM certificates)`,
    );
    writeFileSync(damaged, 'just text\n');
    expect(() => planPostgresConnection(endpointOf({ sslmode: 'verify-ca', sslrootcert: damaged }))).toThrow(
      'holds no certificate (no -----BEGIN CERTIFICATE----- block)',
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies application_name from the DSN and refuses an option it cannot apply', async () => {
    const base = `postgresql://postgres:x@127.0.0.1:${postgres.port}/${postgres.database}`;
    expect(
      planPostgresConnection(endpointOf({ dsn: `${base}?application_name=nightly` })).dsnOptions,
    ).toEqual({
      application_name: 'nightly',
    });
    expect(() => planPostgresConnection(endpointOf({ dsn: `${base}?target_session_attrs=any` }))).toThrow(
      /the dsn option 'target_session_attrs' is not supported \(supported: sslmode, sslrootcert, application_name, options\)/,
    );
  });

  it('defaults: supabase remote require, postgres remote prefer, loopback plain', () => {
    const remote = readDatabaseEndpoint(
      {
        family: 'supabase',
        alias: 'p',
        fields: { url: 'https://abcdefgh.supabase.co', password: 'x' },
        secrets: [],
      },
      'step tls',
    );
    expect(planPostgresConnection(remote)).toMatchObject({
      mode: 'require',
      ssl: { rejectUnauthorized: false },
    });
    expect(planPostgresConnection(endpointOf({}, 'supabase'))).toMatchObject({ mode: 'disable', ssl: false });
    // postgres: prefer (TLS when offered) to a remote host, as psql does; plain over loopback
    expect(planPostgresConnection(endpointOf({ host: 'db.example.com' }))).toMatchObject({
      mode: 'prefer',
      fallbackToPlain: true,
      ssl: { rejectUnauthorized: false },
    });
    expect(planPostgresConnection(endpointOf({ host: 'localhost' }))).toMatchObject({ mode: 'disable' });
  });
});

describe('sslmode prefer against a server without TLS (loopback fake)', () => {
  it('asks for TLS, is refused, and connects again without it', async () => {
    const firstMessages: number[] = [];
    const server = createServer((socket: Socket) => {
      socket.once('data', (data: Buffer) => {
        const code = data.readUInt32BE(4);
        firstMessages.push(code);
        // 80877103 = SSLRequest: answer "no TLS here"; a startup message then gets the connection closed.
        if (code === 80877103) socket.write('N');
        else socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const failure = await openPostgresSession(endpointOf({ port, sslmode: 'prefer' }), {
        connectTimeoutMs: 3000,
        where: 'step tls',
      }).then(
        () => undefined,
        (error: unknown) => error as { code: string },
      );
      expect(firstMessages).toEqual([80877103, 196608]);
      expect(failure?.code).toBe('connection_error');

      firstMessages.length = 0;
      const strict = await openPostgresSession(endpointOf({ port, sslmode: 'require' }), {
        connectTimeoutMs: 3000,
        where: 'step tls',
      }).then(
        () => undefined,
        (error: unknown) => error as { code: string; message: string },
      );
      expect(firstMessages).toEqual([80877103]);
      expect(strict?.message).toMatch(/does not support SSL/);
    } finally {
      server.close();
    }
  });
});

describe('TLS through osiris_connections.yaml and the CLI (real server)', () => {
  const connections = `connections:
  postgres:
    checked:
      host: localhost
      port: \${PG_PORT}
      user: postgres
      password: \${PG_PASSWORD}
      database: etl
      sslmode: verify-full
      sslrootcert: \${PG_CA}
    unchecked:
      # percent-encoded: the canary holds '#' and '/', and an ambiguous DSN is refused (docs/connections.md)
      dsn: postgresql://postgres:\${PG_PASSWORD_URLENC}@127.0.0.1:\${PG_PORT}/etl?sslmode=verify-full&application_name=tls
`;
  const pipeline = `oml_version: "0.1.0"
name: tls-check
steps:
  - id: ask
    component: postgres.extractor
    mode: read
    config:
      connection: "@postgres.checked"
      query: "SELECT ssl::text AS ssl, version AS tls FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  - id: save
    component: filesystem.csv_writer
    mode: write
    needs: [ask]
    config:
      path: out/tls.csv
      columns: [ssl]
`;

  it('a pipeline connects with verify-full and the CA from an env var; doctor refuses an unverifiable server', async () => {
    const env = {
      PG_PORT: String(postgres.port),
      PG_PASSWORD: postgres.password,
      PG_PASSWORD_URLENC: encodeURIComponent(postgres.password),
      PG_CA: readFileSync(postgres.sslCert as string, 'utf8'),
    };
    const project = createProject({ 'osiris_connections.yaml': connections, 'pipelines/tls.yaml': pipeline });
    const run = await runOsiris(['run', 'pipelines/tls.yaml'], { cwd: project, env });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(project, 'out', 'tls.csv'), 'utf8')).toBe('ssl\ntrue\n');

    const doctor = await runOsiris(['connections', 'doctor', '--json'], { cwd: project, env });
    expect(doctor.code).toBe(1);
    const byName = Object.fromEntries(
      JSON.parse(doctor.stdout).connections.map((c: { connection: string }) => [c.connection, c]),
    );
    expect(byName['@postgres.checked']).toMatchObject({ ok: true });
    expect(byName['@postgres.unchecked']).toMatchObject({ ok: false, error: { code: 'connection_error' } });
    expect(byName['@postgres.unchecked'].error.message).toMatch(/certificate.*sslmode and sslrootcert/);
    expect(doctor.stdout + doctor.stderr).not.toContain(postgres.password);
    expect(doctor.stderr).not.toMatch(/SECURITY WARNING/);
  });
});
