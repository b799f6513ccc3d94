// Test-side access to the servers started by global-db-setup.ts.
import { inject } from 'vitest';
import type { ResolvedConnection } from '../../src/core/index.js';
import type { DbServer } from './db-servers.js';

/** Both servers; throws (so the test FAILS, never skips) when they could not start or the globalSetup is not wired. */
export function readDbServers(): { mariadb: DbServer; postgres: DbServer } {
  const info = inject('dbServers');
  if (!info) {
    throw new Error(
      "no test database servers: add 'test/support/global-db-setup.ts' to globalSetup in the vitest config",
    );
  }
  if (info.error || !info.mariadb || !info.postgres)
    throw new Error(`test database servers did not start: ${info.error ?? 'unknown'}`);
  return { mariadb: info.mariadb, postgres: info.postgres };
}

/** A resolved connection for a test server, as the connections registry would build it. */
export function createServerConnection(
  family: 'mysql' | 'postgres' | 'supabase',
  server: DbServer,
  overrides: Record<string, unknown> = {},
): ResolvedConnection {
  const fields: Record<string, unknown> = {
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    ...overrides,
  };
  const secrets = [server.password, typeof overrides.password === 'string' ? overrides.password : ''].filter(
    (s) => s !== '',
  );
  return { family, alias: 'test', fields, secrets };
}
