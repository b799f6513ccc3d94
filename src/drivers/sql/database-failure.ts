import type { ErrorCode } from '../../core/index.js';
import { OsirisError } from '../../core/index.js';
import type { DatabaseEndpoint } from './database-endpoint.js';

/** Whether retrying the same work may succeed. */
export const FAILURE_KINDS = ['transient', 'deterministic'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * A place in a loader's input: a physical `line` (COPY counts the line breaks inside quoted values) or a
 * `record` (LOAD DATA's row), 1-based, with the column when the server named it.
 */
export interface LoaderPosition {
  unit: 'line' | 'record';
  index: number;
  column?: string;
}

/** A database error already masked and classified by a client file; the message never holds a secret. */
export class DatabaseFailure extends OsirisError {
  /** transient: connection reset, deadlock, serialization failure, too many connections, admin shutdown. */
  readonly kind: FailureKind;
  /** Server error code (SQLSTATE for PostgreSQL, errno name for MySQL), when there was one. */
  readonly serverCode: string | undefined;
  /** Where in a loader's input the server refused a value (1-based), and its column. */
  readonly record: LoaderPosition | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    kind: FailureKind,
    serverCode: string | undefined,
    where?: string,
    record?: LoaderPosition,
  ) {
    super(code, message, where === undefined ? {} : { where });
    this.kind = kind;
    this.serverCode = serverCode;
    this.record = record;
  }
}

/**
 * Failures that say the server is not there (yet): deterministic on a first attempt (a wrong port fails
 * fast), but right after a transient failure they are the same outage, e.g. a PostgreSQL restart:
 * 57P01 admin shutdown, then ECONNREFUSED until the server listens again (ENOENT: its Unix socket is
 * gone meanwhile). Only failures to connect: nothing was sent, so a retry can never write twice (a
 * connection lost mid-COMMIT stays deterministic, see commitAttempt).
 */
const SERVER_GONE_CODES = new Set(['ECONNREFUSED', 'ENOENT']);

/**
 * True for a failure that a retry of the whole unit of work may cure: a transient failure, or a refused
 * connection when the attempt before failed transiently (within the retry window of that outage).
 */
export function isTransientFailure(error: unknown, previous?: unknown): boolean {
  if (!(error instanceof DatabaseFailure)) return false;
  if (error.kind === 'transient') return true;
  // runWithRetry passes only errors it retried: a refused connection there was already part of the outage
  const outage =
    previous instanceof DatabaseFailure &&
    (previous.kind === 'transient' ||
      (previous.serverCode !== undefined && SERVER_GONE_CODES.has(previous.serverCode)));
  return outage && error.serverCode !== undefined && SERVER_GONE_CODES.has(error.serverCode);
}

/** A failure's message without the `where: ` its constructor put in front. */
export function readBareMessage(error: OsirisError): string {
  const prefix = error.where === undefined ? '' : `${error.where}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** The same failure with `context` (e.g. `replace into wm.t`) in front of its message; other errors pass unchanged. */
export function addFailureContext(error: unknown, context: string): unknown {
  if (!(error instanceof DatabaseFailure)) return error;
  const bare = readBareMessage(error);
  return new DatabaseFailure(
    error.code,
    `${context}: ${bare}`,
    error.kind,
    error.serverCode,
    error.where,
    error.record,
  );
}

/** What to check for a connection failure, keyed by what went wrong; undefined for other failures. */
export function suggestConnectionFix(
  kind: 'auth' | 'network' | 'database' | 'tls' | undefined,
): string | undefined {
  if (kind === 'auth') return 'check the user and password of the connection';
  if (kind === 'network') return 'check the host and port, and that the server is running and reachable';
  if (kind === 'database') return 'check the database name of the connection';
  if (kind === 'tls')
    return "check the connection's TLS mode and CA certificate (sslmode and sslrootcert; ssl_mode and ssl_ca for MySQL)";
  return undefined;
}

/** Turns anything a client library threw into a masked, classified DatabaseFailure saying what failed where. */
export type WrapClientError = (
  error: unknown,
  what: string,
  endpoint: DatabaseEndpoint,
  where: string,
) => DatabaseFailure;

/** A statement as messages quote it: its first 120 characters, `…` marking a cut (the rest may be data). */
export function quoteStatement(sql: string): string {
  return `statement ${JSON.stringify(sql.length > 120 ? `${sql.slice(0, 120)}…` : sql)}`;
}
