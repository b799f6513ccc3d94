// Issue 8 §4: a PostgreSQL admin shutdown (57P01) followed by ECONNREFUSED while the server restarts is
// one outage, retried within the backoff; deterministic errors still are not. The end-to-end case runs
// the real pg client through a loopback TCP proxy in front of the test server: the backend is really
// terminated (pg_terminate_backend: 57P01) and the proxy refuses connections for a while, as a
// restarting server does. Before the fix, the ECONNREFUSED of the second attempt ended the work.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseFailure, isTransientFailure } from '../../src/drivers/sql/database-failure.js';
import { readDatabaseEndpoint } from '../../src/drivers/sql/database-endpoint.js';
import { openPostgresSession } from '../../src/drivers/postgres/postgres-client.js';
import { runWithRetry } from '../../src/core/run-with-retry.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';

const failure = (kind: 'transient' | 'deterministic', code: string) =>
  new DatabaseFailure('connection_error', `failed [${code}]`, kind, code, 'step');

describe('isTransientFailure with the attempt before', () => {
  it('counts a refused connection as part of an outage only right after a transient failure', () => {
    const shutdown = failure('transient', '57P01');
    const refused = failure('deterministic', 'ECONNREFUSED');
    expect(isTransientFailure(refused)).toBe(false); // a wrong port fails fast
    expect(isTransientFailure(refused, undefined)).toBe(false);
    expect(isTransientFailure(refused, shutdown)).toBe(true);
    expect(isTransientFailure(refused, refused)).toBe(true); // still restarting (only retried errors get here)
    expect(isTransientFailure(failure('deterministic', 'ENOENT'), shutdown)).toBe(true); // its socket file
  });

  it('keeps deterministic errors deterministic, outage or not', () => {
    const shutdown = failure('transient', '57P01');
    for (const code of ['42P01', '28P01', '3D000', '23505', 'ECONNRESET', 'ENOTFOUND']) {
      expect(isTransientFailure(failure('deterministic', code), shutdown), code).toBe(false);
    }
    // a connection lost during COMMIT of an append is made deterministic on purpose: never retried
    expect(
      isTransientFailure(failure('deterministic', 'ECONNRESET'), failure('transient', 'ECONNRESET')),
    ).toBe(false);
    expect(isTransientFailure(new Error('ECONNREFUSED'), shutdown)).toBe(false);
  });
});

/** A TCP proxy that can stop listening (connections refused) and kill its open sockets, like a restart. */
async function startProxy(targetHost: string, targetPort: number) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Stop accepting at once (open connections stay, as a server's backends do until terminated). */
    stop() {
      server?.close();
    },
    listen,
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

describe('a PostgreSQL restart within the backoff (real server, real pg client)', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    const { postgres } = readDbServers();
    proxy = await startProxy(postgres.host, postgres.port);
  });
  afterAll(async () => {
    proxy.destroyAll();
    proxy.stop();
  });

  it('survives 57P01 then ECONNREFUSED, and gives up at once on a deterministic error', async () => {
    const { postgres } = readDbServers();
    const direct = readDatabaseEndpoint(createServerConnection('postgres', postgres), 'admin');
    const viaProxy = readDatabaseEndpoint(
      createServerConnection('postgres', postgres, { host: '127.0.0.1', port: proxy.port }),
      'step',
    );
    const options = { connectTimeoutMs: 5000, where: 'step' };
    const admin = await openPostgresSession(direct, options);
    const seen: string[] = [];
    let reopened: Promise<void> | undefined;
    try {
      const result = await runWithRetry(
        async (attempt) => {
          const session = await openPostgresSession(viaProxy, options);
          try {
            if (attempt === 1) {
              const pid = (await session.query('SELECT pg_backend_pid()')).rows[0]?.[0];
              // the "restart": the listener goes away, the backend is terminated (57P01), and the
              // server is back 1.5 s later
              proxy.stop();
              await admin.query('SELECT pg_terminate_backend($1)', [pid]);
              reopened = new Promise((r) => setTimeout(r, 1500)).then(() => proxy.listen());
              await session.query('SELECT pg_sleep(5)');
            }
            return (await session.query('SELECT 41 + 1')).rows[0]?.[0];
          } finally {
            await session.close();
          }
        },
        {
          policy: { attempts: 8, initialDelayMs: 200, maxDelayMs: 800 },
          isTransient: isTransientFailure,
          onRetry: (error) => seen.push((error as DatabaseFailure).serverCode ?? '?'),
        },
      );
      expect(result).toBe('42');
      expect(seen[0]).toMatch(/^57P01$|^08006$|^ECONNRESET$/); // the shutdown, as pg reports it
      expect(seen.slice(1)).toContain('ECONNREFUSED');
    } finally {
      await reopened;
      await admin.close();
    }

    // deterministic: an unknown table fails on the first attempt, no retry
    let calls = 0;
    await expect(
      runWithRetry(
        async () => {
          calls++;
          const session = await openPostgresSession(viaProxy, options);
          try {
            return await session.query('SELECT * FROM no_such_table_osiris');
          } finally {
            await session.close();
          }
        },
        { policy: { attempts: 5, initialDelayMs: 10, maxDelayMs: 10 }, isTransient: isTransientFailure },
      ),
    ).rejects.toMatchObject({ serverCode: '42P01' });
    expect(calls).toBe(1);
  });
});
