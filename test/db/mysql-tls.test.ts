// ssl_mode and ssl_ca of MySQL/MariaDB connections, against the real test MariaDB (TLS on, a self-signed
// certificate for localhost and 127.0.0.1 made by test/support/start-mariadb.sh), plus a loopback fake
// without TLS for the PREFERRED fallback. Also: a DSN with an unencoded password, as the registry reads it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseEndpoint } from '../../src/drivers/sql/database-endpoint.js';
import { openMysqlSession } from '../../src/drivers/mysql/mysql-client.js';
import { planMysqlConnection } from '../../src/drivers/mysql/plan-mysql-connection.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';

let mariadb: DbServer;
beforeAll(() => {
  ({ mariadb } = readDbServers());
});

const endpointOf = (fields: Record<string, unknown>) =>
  readDatabaseEndpoint(createServerConnection('mysql', mariadb, fields), 'step tls');

/** Connect and ask the server which cipher this connection uses ('' when plain). */
async function connectAndAskCipher(fields: Record<string, unknown>): Promise<string | null | undefined> {
  const session = await openMysqlSession(endpointOf(fields), { connectTimeoutMs: 5000, where: 'step tls' });
  try {
    const result = await session.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    return result.rows[0]?.[1];
  } finally {
    await session.close();
  }
}

describe('MySQL TLS (real MariaDB with TLS on)', () => {
  it('plain by default and with DISABLED; PREFERRED and REQUIRED encrypt', async () => {
    expect(mariadb.sslCert).toBeTruthy();
    expect(await connectAndAskCipher({})).toBe('');
    expect(await connectAndAskCipher({ ssl_mode: 'DISABLED' })).toBe('');
    expect(await connectAndAskCipher({ ssl_mode: 'preferred' })).not.toBe('');
    expect(await connectAndAskCipher({ ssl_mode: 'REQUIRED' })).not.toBe('');
  });

  it('VERIFY_IDENTITY and VERIFY_CA accept the server with its CA as a file or PEM text, also from a DSN', async () => {
    const cert = mariadb.sslCert as string;
    const pem = readFileSync(cert, 'utf8');
    expect(
      await connectAndAskCipher({ host: 'localhost', ssl_mode: 'VERIFY_IDENTITY', ssl_ca: cert }),
    ).not.toBe('');
    expect(await connectAndAskCipher({ ssl_mode: 'VERIFY_CA', ssl_ca: pem })).not.toBe('');
    const dsn = `mysql://root:${encodeURIComponent(mariadb.password)}@127.0.0.1:${mariadb.port}/movies?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(cert)}`;
    expect(await connectAndAskCipher({ dsn })).not.toBe('');
  });

  it('VERIFY_CA without the CA refuses the self-signed certificate: connection_error, a hint, no secret', async () => {
    const failure = await connectAndAskCipher({ ssl_mode: 'VERIFY_CA' }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(failure?.code).toBe('connection_error');
    expect(failure?.message).toMatch(/certificate/);
    expect(failure?.message).toMatch(/ssl_mode and ssl_ca/);
    expect(failure?.message).not.toContain(mariadb.password);
  });

  it('connects with a DSN whose percent-encoded password the registry decoded (the driver parses no URL)', async () => {
    const dsn = `mysql://root:${encodeURIComponent(mariadb.password)}@127.0.0.1:${mariadb.port}/movies`;
    expect(mariadb.password).toMatch(/[^A-Za-z0-9]/);
    expect(await connectAndAskCipher({ dsn })).toBe('');
  });

  it('defaults to PREFERRED for a remote host and DISABLED over loopback', () => {
    expect(planMysqlConnection(endpointOf({ host: 'db.example.com' }))).toMatchObject({
      level: 'prefer',
      encrypt: true,
      verifyChain: false,
      fallbackToPlain: true,
    });
    expect(planMysqlConnection(endpointOf({ host: '127.0.0.1' }))).toMatchObject({
      level: 'disable',
      encrypt: false,
    });
  });

  it('refuses an unknown ssl_mode and an unknown DSN option by name', () => {
    expect(() => planMysqlConnection(endpointOf({ ssl_mode: 'ON' }))).toThrow(
      /@mysql\.test: ssl_mode 'ON' is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/,
    );
    expect(() => planMysqlConnection(endpointOf({ dsn: 'mysql://u:p@h/db?charset=latin1' }))).toThrow(
      /the dsn option 'charset' is not supported \(supported: ssl_mode, ssl-mode, ssl_ca, ssl-ca\)/,
    );
  });
});

describe('ssl_mode PREFERRED against a server without TLS (loopback fake)', () => {
  it('asks again without TLS; REQUIRED fails instead', async () => {
    let connections = 0;
    // A MySQL v10 handshake whose capability flags lack CLIENT_SSL (0x0800); then the connection is closed.
    const greeting = (): Buffer => {
      const body = Buffer.concat([
        Buffer.from([10]),
        Buffer.from('5.5.0-fake\0'),
        Buffer.from([1, 0, 0, 0]),
        Buffer.from('abcdefgh\0'),
        Buffer.from([0x00, 0xf2]), // capabilities (low): no SSL bit
        Buffer.from([33]),
        Buffer.from([2, 0]),
        Buffer.from([0x00, 0x00]),
        Buffer.from([0]),
        Buffer.alloc(10),
      ]);
      const header = Buffer.from([body.length & 0xff, (body.length >> 8) & 0xff, 0, 0]);
      return Buffer.concat([header, body]);
    };
    const server = createServer((socket: Socket) => {
      connections++;
      socket.write(greeting());
      socket.on('data', () => socket.destroy());
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const open = (ssl_mode: string) =>
      openMysqlSession(endpointOf({ port, ssl_mode }), { connectTimeoutMs: 3000, where: 'step tls' }).then(
        () => undefined,
        (error: unknown) => error as { code: string; message: string },
      );
    try {
      const preferred = await open('PREFERRED');
      expect(connections).toBe(2);
      expect(preferred?.code).toBe('connection_error');
      connections = 0;
      const required = await open('REQUIRED');
      expect(connections).toBe(1);
      expect(required?.message).toMatch(/does not support secure connection/);
    } finally {
      server.close();
    }
  });
});
