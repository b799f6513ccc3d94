// The only file that imports `pg` and `pg-copy-streams` (test/architecture): a thin, masked client.
import type { Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { ErrorCode } from '../../core/index.js';
import { PassThroughRefused } from '../../core/index.js';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import { describeEndpoint, planConnection } from '../sql/database-endpoint.js';
import type { FailureKind, WrapClientError } from '../sql/database-failure.js';
import type { SqlSessionOptions } from '../sql/sql-dialect.js';
import { DatabaseFailure, quoteStatement, suggestConnectionFix } from '../sql/database-failure.js';
import type { PostgresConnectionPlan } from './plan-postgres-connection.js';
import { planPostgresConnection } from './plan-postgres-connection.js';
import { readCopyDataInBlocks } from './copy-data-blocks.js';
import type { CanonicalCellKind } from './postgres-column-types.js';

/** A result column: name and PostgreSQL type. */
export interface PostgresField {
  /** Column name. */
  name: string;
  /** Type OID (pg_type.oid). */
  typeOid: number;
  /** Type modifier (-1 when none): NUMERIC precision/scale, VARCHAR length. */
  typeModifier: number;
}

/** Rows of a small query, every value as the server's text (NULL as null). */
export interface PostgresResult {
  /** Rows as arrays of text. */
  rows: (string | null)[][];
  /** Rows affected or returned, as the server reported. */
  rowCount: number;
  /** Result columns. */
  fields: PostgresField[];
}

/** One open connection. Every method throws DatabaseFailure (masked, classified). */
export interface PostgresSession {
  /** Run one statement (parameters as $1, $2, ...). */
  query(sql: string, params?: unknown[]): Promise<PostgresResult>;
  /**
   * Run `COPY … TO STDOUT (FORMAT csv)` and pipe its rows into `sink` (ended afterwards), the cells of
   * the columns given in `kinds` rewritten into their canonical form; returns the rows COPY reported.
   */
  copyOut(sql: string, sink: Writable, kinds?: readonly (CanonicalCellKind | undefined)[]): Promise<number>;
  /** Run `COPY … FROM STDIN` fed by `source`; returns the rows the server confirmed. */
  copyIn(sql: string, source: AsyncIterable<string | Buffer>): Promise<number>;
  /** Close politely: say goodbye to the server (not waiting for it to close its side). */
  close(): Promise<void>;
  /** Drop the socket at once (abort). */
  destroy(): void;
}

/** Connection options besides the endpoint. */
export interface PostgresSessionOptions extends SqlSessionOptions {
  /** `statement_timeout` in ms for the session (0 = none). */
  statementTimeoutMs?: number;
  /** More `SET` statements for the session, sent with the opening ones (no round trip of their own). */
  settings?: string;
}

const TRANSIENT_SQLSTATES = new Set([
  '40001',
  '40P01',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'EPIPE']);
const CONNECT_SQLSTATES = /^(08|28|3D|53300|57P0)/;

interface RawError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  /** The error's context, e.g. `COPY t, line 3, column amount: "abc"`. */
  where?: unknown;
}

/** transient: serialization failure, deadlock, too many connections, admin/crash shutdown, connection reset. */
export function classifyPostgresError(error: unknown): FailureKind {
  const e = (error ?? {}) as RawError;
  const code = typeof e.code === 'string' ? e.code : '';
  if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code)) return 'transient';
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated unexpectedly|terminating connection|server closed the connection/i.test(
    message,
  )
    ? 'transient'
    : 'deterministic';
}

function chooseErrorCode(code: string, message: string): ErrorCode {
  if (code === '57014') return 'timeout';
  if (CONNECT_SQLSTATES.test(code) || /^E[A-Z]+$/.test(code) || /connect|terminated/i.test(message))
    return 'connection_error';
  return /^[0-9A-Z]{5}$/.test(code) ? 'sql_error' : 'driver_error';
}

/** Turn anything pg threw into a masked, classified DatabaseFailure saying what failed where. */
export const wrapPostgresError: WrapClientError = (error, what, endpoint, where) => {
  if (error instanceof DatabaseFailure) return error;
  const e = (error ?? {}) as RawError;
  const code = typeof e.code === 'string' ? e.code : '';
  const thrown = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  // pg's words when the server wants a password and the connection has none
  const noPassword = /client password must be a string/.test(thrown);
  const raw = noPassword
    ? 'the server asks for a password, and the connection gives none (or an empty one)'
    : thrown;
  const extra = [e.detail, e.hint].filter((x): x is string => typeof x === 'string' && x !== '');
  const fix = suggestConnectionFix(
    /^28/.test(code) || noPassword
      ? 'auth'
      : /CERT|SSL|TLS/.test(code) || /certificate/i.test(raw)
        ? 'tls'
        : code === '3D000'
          ? 'database'
          : // a server's own error (a 5-character SQLSTATE) is no network trouble, whatever it says:
            // `invalid value for parameter "statement_timeout"` [22023] is the connection's options
            /^E[A-Z]+$/.test(code) || (!/^[0-9A-Z]{5}$/.test(code) && /timeout|terminated|closed/i.test(raw))
            ? 'network'
            : undefined,
  );
  const place = `${what === 'connecting' ? 'connecting to' : `${what} on`} ${describeEndpoint(endpoint, 5432)}`;
  const text = `${place} failed: ${raw}${extra.length ? ` (${extra.join('; ')})` : ''}${code ? ` [${code}]` : ''}${fix && what === 'connecting' ? `; ${fix}` : ''}`;
  const osirisCode =
    what === 'connecting' && code !== '57014' ? 'connection_error' : chooseErrorCode(code, raw);
  return new DatabaseFailure(
    osirisCode,
    endpoint.mask(text),
    classifyPostgresError(error),
    code || undefined,
    where,
    readCopyRecord(e.where),
  );
};

/** The COPY input line (physical: COPY counts the line breaks inside quoted values) and column of an error's context. */
function readCopyRecord(context: unknown): DatabaseFailure['record'] {
  const match =
    typeof context === 'string' ? /^COPY [^\n]*?, line (\d+)(?:, column ([^:]+))?/.exec(context) : null;
  if (!match) return undefined;
  return { unit: 'line', index: Number(match[1]), ...(match[2] === undefined ? {} : { column: match[2] }) };
}

function buildClientConfig(
  endpoint: DatabaseEndpoint,
  options: PostgresSessionOptions,
  plan: PostgresConnectionPlan,
  ssl: PostgresConnectionPlan['ssl'],
): pg.ClientConfig {
  const config: pg.ClientConfig = {
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: plan.dsnOptions.application_name ?? 'osiris',
    keepAlive: true,
    // Every value stays the server's text: no Date, no float, no JSON.parse.
    types: { getTypeParser: () => (value: string) => value },
    ssl,
    host: endpoint.host,
  };
  if (plan.dsnOptions.options !== undefined) config.options = plan.dsnOptions.options;
  if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
  if (endpoint.port !== undefined) config.port = endpoint.port;
  if (endpoint.user !== undefined) config.user = endpoint.user;
  if (endpoint.password !== undefined) config.password = endpoint.password;
  if (endpoint.database !== undefined) config.database = endpoint.database;
  return config;
}

/** Connect with the TLS plan; `allow`/`prefer` ask again without TLS when the server refuses it. */
async function connectClient(
  endpoint: DatabaseEndpoint,
  options: PostgresSessionOptions,
): Promise<pg.Client> {
  const plan = planConnection(endpoint, options.where, planPostgresConnection);
  const attempt = async (ssl: PostgresConnectionPlan['ssl']): Promise<pg.Client> => {
    const client = new pg.Client(buildClientConfig(endpoint, options, plan, ssl));
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
  };
  try {
    return await attempt(plan.ssl);
  } catch (error) {
    if (plan.fallbackToPlain && /does not support SSL/i.test(String((error as Error).message)))
      return attempt(false).catch((again: unknown) => {
        throw wrapPostgresError(again, 'connecting', endpoint, options.where);
      });
    throw wrapPostgresError(error, 'connecting', endpoint, options.where);
  }
}

function mapFields(fields: readonly pg.FieldDef[] | undefined): PostgresField[] {
  return (fields ?? []).map((f) => ({
    name: f.name,
    typeOid: f.dataTypeID,
    typeModifier: f.dataTypeModifier,
  }));
}

/** Open a connection (UTC session, text values); throws a masked DatabaseFailure. */
export async function openPostgresSession(
  endpoint: DatabaseEndpoint,
  options: PostgresSessionOptions,
): Promise<PostgresSession> {
  const { where } = options;
  const client = await connectClient(endpoint, options);
  // A backend terminated while idle emits 'error' on the client; without a listener Node would crash.
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  const fail = (error: unknown, what: string): DatabaseFailure =>
    wrapPostgresError(error ?? lastError, what, endpoint, where);
  const run = async (sql: string, params?: unknown[]): Promise<PostgresResult> => {
    try {
      const result = await client.query<unknown[]>({ text: sql, values: params ?? [], rowMode: 'array' });
      return {
        rows: result.rows as (string | null)[][],
        rowCount: result.rowCount ?? 0,
        fields: mapFields(result.fields),
      };
    } catch (error) {
      throw fail(error, quoteStatement(sql));
    }
  };
  try {
    // pg already asks for UTF8. Value text must not depend on the server's settings: timestamptz in
    // UTC, ISO dates, floats as their shortest exact digits (the default since PostgreSQL 12), bytea as
    // `\x` hex (a role may set 'escape'). One round trip: a simple query may hold several statements.
    const opening =
      "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'";
    await run(options.settings ? `${opening}; ${options.settings}` : opening);
  } catch (error) {
    client.end().catch(() => undefined);
    throw error;
  }
  return {
    query: run,
    async copyOut(sql, sink, kinds) {
      const stream = readCopyDataInBlocks(client.query(copyStreams.to(sql)), kinds);
      try {
        await pipeline(stream, sink);
        return stream.rowCount;
      } catch (error) {
        throw fail(error, 'COPY TO STDOUT');
      }
    },
    async copyIn(sql, source) {
      const stream = client.query(copyStreams.from(sql));
      try {
        await pipeline(Readable.from(source), stream);
        return stream.rowCount;
      } catch (error) {
        // the input stopped on purpose (the writer takes the typed path): not a database failure
        if (error instanceof PassThroughRefused) throw error;
        throw fail(error, 'COPY FROM STDIN');
      }
    },
    close() {
      // Terminate goes out at once; pg's end() then waits for the server to close its side, which
      // happens only once the backend has exited (~10 ms measured): neither a step nor the process
      // (unref) need wait for that.
      client.end().catch(() => undefined);
      (client.connection.stream as Socket).unref();
      return Promise.resolve();
    },
    destroy() {
      client.connection.stream.destroy();
    },
  };
}
