// The only file that imports `mysql2` (test/architecture): a thin, masked client for MySQL and MariaDB.
import { Readable } from 'node:stream';
import mysql from 'mysql2';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import { planConnection } from '../sql/database-endpoint.js';
import type { DatabaseFailure } from '../sql/database-failure.js';
import { quoteStatement } from '../sql/database-failure.js';
import type { SqlSessionOptions } from '../sql/sql-dialect.js';
import type { MysqlColumn } from './mysql-protocol.js';
import type { LineChunk, LineFieldKind } from './mysql-protocol.js';
import { LOCAL_INFILE_NAME, MYSQL_TYPES, createCellDecoders, wrapMysqlError } from './mysql-protocol.js';
import { streamCsvLines } from './stream-csv-lines.js';
import { planMysqlConnection } from './plan-mysql-connection.js';
import type { TlsChoice } from '../sql/tls-options.js';

/** Outcome of a statement without rows. */
export interface MysqlStatus {
  /** Rows the server reports as affected. */
  affectedRows: number;
  /** Warnings the statement raised. */
  warningCount: number;
}

/** One open connection. Every method throws DatabaseFailure (masked, classified). */
export interface MysqlSession {
  /** Run one statement (`?` placeholders); rows come back as text. */
  query(sql: string, params?: unknown[]): Promise<MysqlStatus & { rows: (string | null)[][] }>;
  /** Describe a statement's result columns without running it (server-side prepare). */
  describe(sql: string): Promise<MysqlColumn[]>;
  /** Stream a query's rows as text in chunks: binary values as hex, BIT as a number. */
  streamRows(
    sql: string,
    columns: readonly MysqlColumn[],
    chunkRows: number,
  ): AsyncIterable<(string | null)[][]>;
  /**
   * Stream a query's rows as CSV lines (`kinds`: how each column becomes a field) in chunks of about
   * `chunkBytes`, straight from the protocol's bytes (no JS value per field).
   */
  streamLines(sql: string, kinds: readonly LineFieldKind[], chunkBytes: number): AsyncIterable<LineChunk>;
  /** Run `LOAD DATA LOCAL INFILE` with `source` as the file's bytes. */
  loadLocal(sql: string, source: AsyncIterable<string | Buffer>): Promise<MysqlStatus>;
  /** An SQL literal for a value (for multi-row INSERTs). */
  escape(value: string): string;
  /** Close politely. */
  close(): Promise<void>;
  /** Drop the socket at once (abort). */
  destroy(): void;
}

/** Connection options besides the endpoint: those of every SQL session. */
export type MysqlSessionOptions = SqlSessionOptions;

function buildConnectionConfig(
  endpoint: DatabaseEndpoint,
  options: MysqlSessionOptions,
  tls: TlsChoice,
): mysql.ConnectionOptions {
  return {
    connectTimeout: options.connectTimeoutMs,
    charset: 'UTF8MB4_UNICODE_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
    rowsAsArray: true,
    // Server-side text for every value: mysql2's own DOUBLE and JSON parsing are lossy (a DOUBLE rounds through a JS number).
    typeCast: (field) => (field.type === 'JSON' ? field.string('utf8') : field.string()),
    infileStreamFactory: (path) => {
      throw new Error(`the server asked for local file '${path}' outside a load`);
    },
    host: endpoint.host,
    port: endpoint.port ?? 3306,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    ...(tls.encrypt
      ? {
          ssl: {
            rejectUnauthorized: tls.verifyChain,
            verifyIdentity: tls.verifyHost,
            ...(tls.ca ? { ca: tls.ca } : {}),
          },
        }
      : {}),
  };
}

/** Open the connection; PREFERRED asks again without TLS when the server has none. */
async function connectMysql(
  endpoint: DatabaseEndpoint,
  options: MysqlSessionOptions,
): Promise<mysql.Connection> {
  const tls = planConnection(endpoint, options.where, planMysqlConnection);
  const attempt = (choice: TlsChoice): Promise<mysql.Connection> => {
    const conn = mysql.createConnection(buildConnectionConfig(endpoint, options, choice));
    // Errors on an idle connection (server restart, KILL) arrive as events; keep the process alive.
    conn.on('error', () => undefined);
    return new Promise<mysql.Connection>((resolve, reject) => {
      conn.connect((error) => (error ? reject(error) : resolve(conn)));
    }).catch((error: unknown) => {
      destroyConnection(conn);
      throw error;
    });
  };
  try {
    return await attempt(tls);
  } catch (error) {
    if (tls.fallbackToPlain && (error as { code?: unknown }).code === 'HANDSHAKE_NO_SSL_SUPPORT')
      return attempt({ ...tls, encrypt: false }).catch((again: unknown) => {
        throw wrapMysqlError(again, 'connecting', endpoint, options.where);
      });
    throw wrapMysqlError(error, 'connecting', endpoint, options.where);
  }
}

function mapColumn(f: mysql.FieldPacket): MysqlColumn {
  return {
    name: f.name,
    typeCode: f.columnType ?? f.type ?? MYSQL_TYPES.VAR_STRING,
    length: f.columnLength ?? f.length ?? 0,
    decimals: f.decimals,
    flags: typeof f.flags === 'number' ? f.flags : 0,
    charset: f.characterSet ?? f.charsetNr ?? 0,
    format: f.extendedFormat,
  };
}

const BUFFER_TYPES = new Set([
  'VAR_STRING',
  'STRING',
  'VARCHAR',
  'TINY_BLOB',
  'MEDIUM_BLOB',
  'LONG_BLOB',
  'BLOB',
  'GEOMETRY',
  'BIT',
]);

async function* toBuffers(source: AsyncIterable<string | Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

type Fail = (error: unknown, what: string) => DatabaseFailure;
type Run = (
  sql: string,
  params?: unknown[],
  extra?: Partial<mysql.QueryOptions>,
) => Promise<MysqlStatus & { rows: (string | null)[][] }>;

/** One statement with its rows (as text arrays) or its status. */
function createRunner(conn: mysql.Connection, fail: Fail): Run {
  return (sql, params = [], extra = {}) =>
    new Promise((resolve, reject) => {
      conn.query({ ...extra, sql, values: params }, (error, result) => {
        if (error) {
          reject(fail(error, quoteStatement(sql)));
          return;
        }
        if (Array.isArray(result))
          resolve({ rows: result as unknown as (string | null)[][], affectedRows: 0, warningCount: 0 });
        else {
          const header = result as mysql.ResultSetHeader;
          resolve({ rows: [], affectedRows: header.affectedRows, warningCount: header.warningStatus });
        }
      });
    });
}

/** A query's rows in chunks, each row converted. */
async function* streamChunks<T>(
  conn: mysql.Connection,
  fail: Fail,
  query: { sql: string; chunkRows: number; extra: Partial<mysql.QueryOptions> },
  convert: (row: unknown[]) => T,
): AsyncGenerator<T[]> {
  const rows = conn.query({ ...query.extra, sql: query.sql }).stream({ highWaterMark: query.chunkRows });
  // mysql2 reports a lost connection (KILL, server gone) on the connection only: end the stream with it.
  const onLost = (error: Error): void => {
    rows.destroy(error);
  };
  conn.on('error', onLost);
  let chunk: T[] = [];
  try {
    for await (const row of rows) {
      chunk.push(convert(row as unknown[]));
      if (chunk.length >= query.chunkRows) {
        yield chunk;
        chunk = [];
      }
    }
  } catch (error) {
    throw fail(error, 'streaming rows');
  } finally {
    conn.off('error', onLost);
  }
  if (chunk.length > 0) yield chunk;
}

/** A query's rows as CSV lines (streamCsvLines), failures wrapped. */
async function* streamLines(
  conn: mysql.Connection,
  fail: Fail,
  query: { sql: string; kinds: readonly LineFieldKind[]; chunkBytes: number },
): AsyncGenerator<LineChunk> {
  try {
    yield* streamCsvLines(conn, query.sql, query.kinds, query.chunkBytes);
  } catch (error) {
    throw fail(error, 'streaming rows');
  }
}

/** A statement's result columns, from a server-side prepare (nothing runs). */
function describeStatement(conn: mysql.Connection, fail: Fail, sql: string): Promise<MysqlColumn[]> {
  return new Promise((resolve, reject) => {
    conn.prepare(sql, (error, statement) => {
      if (error) {
        reject(fail(error, 'describing the query'));
        return;
      }
      // The typings lack `columns`; unprepare also drops mysql2's statement cache entry.
      const columns = ((statement as unknown as { columns?: mysql.FieldPacket[] }).columns ?? []).map(
        mapColumn,
      );
      conn.unprepare(sql);
      resolve(columns);
    });
  });
}

/** Session settings: UTC, and a backslash in the literals we build stays a backslash. */
async function prepareSession(conn: mysql.Connection, run: Run): Promise<void> {
  try {
    // One statement, one round trip. Literals we build double quotes only; make sure a backslash in
    // them stays a backslash.
    await run(
      "SET time_zone = '+00:00', SESSION sql_mode = CONCAT_WS(',', REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', ''), 'STRICT_ALL_TABLES')",
    );
  } catch (error) {
    destroyConnection(conn);
    throw error;
  }
}

/** Binary values as raw buffers (decoded per column), JSON as UTF-8, everything else as text. */
const castForRows: mysql.TypeCast = (field) =>
  field.type === 'JSON'
    ? field.string('utf8')
    : BUFFER_TYPES.has(field.type)
      ? field.buffer()
      : field.string();

/** Open a connection (UTC session, utf8mb4, text values); throws a masked DatabaseFailure. */
export async function openMysqlSession(
  endpoint: DatabaseEndpoint,
  options: MysqlSessionOptions,
): Promise<MysqlSession> {
  const conn = await connectMysql(endpoint, options);
  const fail: Fail = (error, what) => wrapMysqlError(error, what, endpoint, options.where);
  const run = createRunner(conn, fail);
  await prepareSession(conn, run);
  return {
    query: (sql, params) => run(sql, params),
    describe: (sql) => describeStatement(conn, fail, sql),
    streamRows(sql, columns, chunkRows) {
      const decoders = createCellDecoders(columns);
      return streamChunks(conn, fail, { sql, chunkRows, extra: { typeCast: castForRows } }, (row) =>
        row.map((v, i) => (decoders[i] as (x: unknown) => string | null)(v)),
      );
    },
    streamLines: (sql, kinds, chunkBytes) => streamLines(conn, fail, { sql, kinds, chunkBytes }),
    async loadLocal(sql, source) {
      const result = await run(sql, [], {
        infileStreamFactory: (path: string) => {
          if (path !== LOCAL_INFILE_NAME)
            throw new Error(`the server asked for local file '${path}', expected '${LOCAL_INFILE_NAME}'`);
          // mysql2 copies each chunk into a packet: it needs Buffers.
          return Readable.from(toBuffers(source));
        },
      });
      return { affectedRows: result.affectedRows, warningCount: result.warningCount };
    },
    escape: (value) => conn.escape(value),
    close: () =>
      new Promise<void>((resolve) => {
        conn.end(() => resolve());
      }),
    destroy: () => destroyConnection(conn),
  };
}

/**
 * Drop the socket at once. mysql2's destroy() only half-closes it (`end()`): while the server still
 * sends rows, the socket stays open and keeps the process alive until the query ends.
 */
function destroyConnection(conn: mysql.Connection): void {
  conn.destroy();
  (conn as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}
