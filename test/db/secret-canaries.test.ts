// Secret canaries: after successful runs and runs with wrong passwords, unreachable hosts and SQL errors,
// no raw, URL-encoded, JSON-escaped or base64 form of any password appears in an error (message, properties,
// cause chain), an emitted event, a log line, or a doctor probe.
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverModule, ResolvedConnection } from '../../src/core/index.js';
import { listSecretForms, parseDsn } from '../../src/core/index.js';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import { mysqlWriterModule } from '../../src/drivers/mysql/mysql-writer.js';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import { probeConnection } from '../../src/drivers/index.js';
import { supabaseExtractorModule } from '../../src/drivers/postgres/supabase-extractor.js';
import { supabaseWriterModule } from '../../src/drivers/postgres/supabase-writer.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { MARIADB_CANARY_PASSWORD, POSTGRES_CANARY_PASSWORD } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { runDriver } from './db-test-kit.js';

const WRONG_PASSWORD = 'Wrong-Canary-5e1a+/=#&"x';
const SECRET_FORMS = [MARIADB_CANARY_PASSWORD, POSTGRES_CANARY_PASSWORD, WRONG_PASSWORD].flatMap(
  listSecretForms,
);

let harness: DriverHarness;
let mariadb: DbServer;
let postgres: DbServer;
/** Everything a user or a log file could see, collected from every scenario. */
const seen: string[] = [];

function record(value: unknown): void {
  seen.push(typeof value === 'string' ? value : inspect(value, { depth: 8, showHidden: true }));
  if (value instanceof Error)
    seen.push(JSON.stringify(value, Object.getOwnPropertyNames(value)), String(value.stack));
}

function findLeaks(texts: readonly string[]): string[] {
  return texts.flatMap((t) =>
    SECRET_FORMS.filter((f) => t.includes(f)).map((f) => `${JSON.stringify(f)} in ${t.slice(0, 200)}`),
  );
}

interface Family {
  name: 'mysql' | 'postgres' | 'supabase';
  extractor: DriverModule;
  writer: DriverModule;
  server: () => DbServer;
  table: Record<string, unknown>;
  target: Record<string, unknown>;
  dsn: (password: string) => string;
}

const families: Family[] = [
  {
    name: 'mysql',
    extractor: mysqlExtractorModule,
    writer: mysqlWriterModule,
    server: () => mariadb,
    table: { schema: 'movies', table: 'directors' },
    target: { schema: 'etl', table: 'canary_directors', create_if_missing: true },
    dsn: (pw) => `mysql://root:${encodeURIComponent(pw)}@127.0.0.1:${mariadb.port}/etl`,
  },
  {
    name: 'postgres',
    extractor: postgresExtractorModule,
    writer: postgresWriterModule,
    server: () => postgres,
    table: { schema: 'movies', table: 'directors' },
    target: { schema: 'public', table: 'canary_directors_pg', create_if_missing: true },
    dsn: (pw) => `postgresql://postgres:${encodeURIComponent(pw)}@127.0.0.1:${postgres.port}/etl`,
  },
  {
    name: 'supabase',
    extractor: supabaseExtractorModule,
    writer: supabaseWriterModule,
    server: () => postgres,
    table: { schema: 'movies', table: 'directors' },
    target: { schema: 'public', table: 'canary_directors_sb', create_if_missing: true },
    dsn: (pw) => `postgresql://postgres:${encodeURIComponent(pw)}@127.0.0.1:${postgres.port}/etl`,
  },
];

beforeAll(async () => {
  ({ mariadb, postgres } = readDbServers());
  harness = await createDriverHarness();
});

afterAll(async () => {
  await harness?.dispose();
});

describe.each(families)('$name components', (f) => {
  const conn = (overrides: Record<string, unknown> = {}): ResolvedConnection => {
    const c = createServerConnection(f.name, f.server(), overrides);
    // What the registry lists for a DSN: the password raw (as written) and decoded.
    if (typeof overrides.dsn === 'string')
      c.secrets.push(
        encodeURIComponent(f.server().password),
        WRONG_PASSWORD,
        encodeURIComponent(WRONG_PASSWORD),
      );
    return c;
  };
  // As the connections registry resolves a DSN: the DSN plus its decoded parts as fields.
  const connViaDsn = (password: string): ResolvedConnection => {
    const dsn = f.dsn(password);
    const parts = parseDsn(dsn);
    if (typeof parts !== 'object') throw new Error(`the test DSN does not parse: ${parts}`);
    const { host, port, user, database } = parts;
    return conn({ dsn, host, port, user, password: parts.password, database });
  };
  const attempt = async (
    stepId: string,
    module: DriverModule,
    config: Record<string, unknown>,
    connection: ResolvedConnection,
    input?: string,
  ) => {
    const out = await runDriver(harness, module, `${f.name}_${stepId}`, {
      config: { connect_timeout_ms: 1500, retry_attempts: 1, ...config },
      connection,
      inputs: input ? { input: `${f.name}_${input}` } : {},
    });
    record(out.error);
    for (const e of out.recorded.events) record(JSON.stringify(e));
    for (const l of out.recorded.logs) record(l.message);
    return out;
  };

  it('a successful extract and write leak nothing', async () => {
    const read = await attempt('read', f.extractor, f.table, conn());
    expect(read.error).toBeUndefined();
    const write = await attempt('write', f.writer, f.target, conn(), 'read');
    expect(write.error).toBeUndefined();
    expect(write.result?.rowsWritten).toBe(10);
    const viaDsn = await attempt('read_dsn', f.extractor, f.table, connViaDsn(f.server().password));
    expect(viaDsn.error).toBeUndefined();
  });

  it('a wrong password fails with connection_error and no secret', async () => {
    const byFields = await attempt('wrong_pw', f.extractor, f.table, conn({ password: WRONG_PASSWORD }));
    expect((byFields.error as { code?: string }).code).toBe('connection_error');
    expect(byFields.error?.message).toMatch(/127\.0\.0\.1/);
    const writer = await attempt(
      'wrong_pw_w',
      f.writer,
      f.target,
      conn({ password: WRONG_PASSWORD }),
      'read',
    );
    expect((writer.error as { code?: string }).code).toBe('connection_error');
    const byDsn = await attempt('wrong_dsn', f.extractor, f.table, connViaDsn(WRONG_PASSWORD));
    expect((byDsn.error as { code?: string }).code).toBe('connection_error');
  });

  it('unreachable hosts fail fast with connection_error and no secret', async () => {
    const refused = await attempt('refused', f.extractor, f.table, conn({ port: 1 }));
    expect((refused.error as { code?: string }).code).toBe('connection_error');
    // A host that accepts TCP but never answers: only the connect timeout ends the wait.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const hung = await attempt(
      'silent',
      f.extractor,
      { ...f.table, connect_timeout_ms: 500 },
      conn({ port }),
    );
    for (const socket of sockets) socket.destroy();
    silent.close();
    expect((hung.error as { code?: string }).code).toBe('connection_error');
    expect(hung.error?.message).toMatch(/check the host and port/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('SQL errors fail with sql_error and no secret', async () => {
    const bad = await attempt('bad_sql', f.extractor, { query: 'SELECT * FROM no_such_table_here' }, conn());
    expect((bad.error as { code?: string }).code).toBe('sql_error');
    expect(bad.error?.message).toMatch(/no_such_table_here/);
    const missing = await attempt('missing_target', f.writer, { table: 'no_such_target' }, conn(), 'read');
    expect((missing.error as { code?: string }).code).toBe('config_error');
    expect(missing.error?.message).toMatch(/create_if_missing/);
  });

  it('connections doctor probes report latency and masked errors', async () => {
    const ok = await probeConnection(conn());
    expect(ok).toMatchObject({ ok: true });
    expect(ok?.latencyMs).toBeGreaterThanOrEqual(0);
    const bad = await probeConnection(conn({ password: WRONG_PASSWORD }));
    expect(bad).toMatchObject({ ok: false, errorCode: 'connection_error' });
    record(JSON.stringify(ok));
    record(JSON.stringify(bad));
  });
});

describe('after every scenario above', () => {
  it('no password appears in any form in errors, events, logs or probes', () => {
    if (process.env.OSIRIS_SHOW_CANARY_TEXTS)
      console.log(seen.filter((t) => !t.startsWith('{"name"')).join('\n---\n'));
    expect(seen.length).toBeGreaterThan(50);
    expect(findLeaks(seen)).toEqual([]);
    // The check itself finds a leak when there is one.
    expect(findLeaks([`x ${encodeURIComponent(POSTGRES_CANARY_PASSWORD)} y`])).toHaveLength(1);
  });
});
