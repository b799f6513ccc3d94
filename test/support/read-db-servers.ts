// Test-side access to the servers started by global-db-setup.ts.
import { inject } from 'vitest';
import { parseConnections } from '../../src/connections/index.js';
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

/** Fields a DSN replaces (the registry refuses them beside one). */
const DSN_PARTS = ['dsn', 'host', 'port', 'user', 'password', 'database'];

/**
 * A resolved connection for a test server, as the connections registry would build it. With a `dsn`
 * override it is built by the real registry (DSN parts, query options and secrets as a user's file gets them).
 */
export function createServerConnection(
  family: 'mysql' | 'postgres' | 'supabase',
  server: DbServer,
  overrides: Record<string, unknown> = {},
): ResolvedConnection {
  if (typeof overrides.dsn === 'string') return resolveThroughRegistry(family, overrides.dsn, overrides);
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

function resolveThroughRegistry(
  family: 'mysql' | 'postgres' | 'supabase',
  dsn: string,
  overrides: Record<string, unknown>,
): ResolvedConnection {
  const rest = Object.entries(overrides).filter(([key]) => !DSN_PARTS.includes(key));
  const vars: Record<string, string> = { TEST_DSN: dsn };
  const lines = [`connections:`, `  ${family}:`, `    test:`, `      dsn: \${TEST_DSN}`];
  rest.forEach(([key, value], i) => {
    vars[`TEST_FIELD_${i}`] = String(value);
    lines.push(`      ${key}: \${TEST_FIELD_${i}}`);
  });
  return parseConnections(`${lines.join('\n')}\n`, 'test-connections.yaml', vars).resolve(family, 'test');
}
