// MySQL protocol facts and error handling, without the client library (mysql-client.ts imports mysql2).
import { describeEndpoint } from '../sql/database-endpoint.js';
import type { FailureKind, WrapClientError } from '../sql/database-failure.js';
import { DatabaseFailure, suggestConnectionFix } from '../sql/database-failure.js';

/** Runtime dependencies of the MySQL components (pinned; checked in sandboxes). */
export const MYSQL_RUNTIME_DEPENDENCIES = [{ name: 'mysql2', version: '3.24.6' }];

/** Name the server asks for in LOAD DATA LOCAL: any other request is refused (a hostile server cannot read files). */
export const LOCAL_INFILE_NAME = 'osiris-stream';

/** A result column as the server describes it. */
export interface MysqlColumn {
  /** Column name (alias). */
  name: string;
  /** Protocol type code (MYSQL_TYPE_*). */
  typeCode: number;
  /** Display length (characters × max bytes for text). */
  length: number;
  /** Decimals (scale for DECIMAL, fractional digits for temporal types). */
  decimals: number;
  /** Column flags (UNSIGNED = 32, BINARY = 128, ...). */
  flags: number;
  /** Character set number; 63 is binary. */
  charset: number;
  /** MariaDB extended format (`json` for JSON columns), when the server sends it. */
  format: string | undefined;
}

/** Protocol type codes (MYSQL_TYPE_*). */
export const MYSQL_TYPES = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** Character set number of binary strings. */
export const BINARY_CHARSET = 63;

// errno: deadlock, lock wait timeout, too many connections, connection killed, server shutdown, gone away, lost.
const TRANSIENT_ERRNOS = new Set([1213, 1205, 1040, 1927, 1053, 2006, 2013]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST']);
const CONNECT_ERRNOS = new Set([1040, 1044, 1045, 1049, 1130, 1927, 1053, 2006, 2013]);

interface RawError {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  message?: unknown;
}

/** transient: connection reset/lost/killed, deadlock, lock wait timeout, too many connections, shutdown. */
export function classifyMysqlError(error: unknown): FailureKind {
  const e = (error ?? {}) as RawError;
  if (typeof e.errno === 'number' && TRANSIENT_ERRNOS.has(e.errno)) return 'transient';
  return typeof e.code === 'string' && TRANSIENT_CODES.has(e.code) ? 'transient' : 'deterministic';
}

/** Turn anything mysql2 threw into a masked, classified DatabaseFailure saying what failed where. */
export const wrapMysqlError: WrapClientError = (error, what, endpoint, where) => {
  if (error instanceof DatabaseFailure) return error;
  const e = (error ?? {}) as RawError;
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  // Never copy e.sql or the config: only the server's message, its code and our own words.
  const raw = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  const tag = [code, errno, typeof e.sqlState === 'string' ? e.sqlState : '']
    .filter((x) => x !== '' && x !== undefined)
    .join(' ');
  const fix = suggestConnectionFix(
    errno === 1045 || errno === 1044
      ? 'auth'
      : errno === 1049
        ? 'database'
        : /CERT|SSL|TLS/.test(code) || /certificate/i.test(raw)
          ? 'tls'
          : /^E[A-Z]+$/.test(code)
            ? 'network'
            : undefined,
  );
  const place = `${what === 'connecting' ? 'connecting to' : `${what} on`} ${describeEndpoint(endpoint, 3306)}`;
  const text = `${place} failed: ${raw}${tag ? ` [${tag}]` : ''}${fix && what === 'connecting' ? `; ${fix}` : ''}`;
  const timeout = errno === 1969 || errno === 3024;
  const connect =
    what === 'connecting' ||
    (errno !== undefined && CONNECT_ERRNOS.has(errno)) ||
    /^(E[A-Z]+|PROTOCOL_.*)$/.test(code);
  const osirisCode = timeout
    ? 'timeout'
    : connect
      ? 'connection_error'
      : errno !== undefined
        ? 'sql_error'
        : 'driver_error';
  return new DatabaseFailure(
    osirisCode,
    endpoint.mask(text),
    classifyMysqlError(error),
    code || undefined,
    where,
  );
};

/** Per column: how a raw buffer becomes text (binary → hex, BIT → decimal, text → UTF-8). */
export function createCellDecoders(columns: readonly MysqlColumn[]): ((value: unknown) => string | null)[] {
  return columns.map((c) => {
    if (c.typeCode === MYSQL_TYPES.BIT) {
      return (v) =>
        Buffer.isBuffer(v) ? BigInt(`0x${v.toString('hex') || '0'}`).toString() : (v as string | null);
    }
    const binary = c.charset === BINARY_CHARSET && c.typeCode !== MYSQL_TYPES.JSON;
    // Upper case, as the server's HEX() writes it on the line path.
    return (v) =>
      Buffer.isBuffer(v)
        ? binary
          ? v.toString('hex').toUpperCase()
          : v.toString('utf8')
        : (v as string | null);
  });
}

/** A chunk of lines: the bytes and how many lines (rows) they hold. */
export interface LineChunk {
  lines: number;
  bytes: Buffer;
}

/**
 * How a result field becomes a CSV field: `plain` bytes are copied as they are (numbers, dates, and
 * cells the server already rendered), `text` is quoted where CSV needs it (empty, `"`, `,`, CR, LF;
 * `"` doubled), as DuckDB's writer does. NULL is an empty unquoted field either way.
 */
export const LINE_FIELD_KINDS = ['plain', 'text'] as const;
export type LineFieldKind = (typeof LINE_FIELD_KINDS)[number];

/** Packs text-protocol result rows into chunks of CSV lines. */
export interface CsvLinePacker {
  /** Add the row whose fields are bytes [start, end) of `packet`; returns the chunk it completed, if any. */
  add(packet: Buffer, start: number, end: number): LineChunk | undefined;
  /** The lines added since the last chunk (undefined when none). */
  flush(): LineChunk | undefined;
}

const NULL_FIELD = 0xfb;
const [COMMA, QUOTE, LF, CR] = [0x2c, 0x22, 0x0a, 0x0d];
/** Fields up to this length are copied byte by byte (cheaper than a native copy call). */
const SHORT_FIELD = 32;

/** Copy bytes [from, to) of `source` into `target` at `at`; returns the new end. */
function copyBytes(source: Buffer, from: number, to: number, target: Buffer, at: number): number {
  if (to - from > SHORT_FIELD) return at + source.copy(target, at, from, to);
  let o = at;
  for (let k = from; k < to; k++) target[o++] = source[k] as number;
  return o;
}

/** Write a text field, quoted only when CSV needs it; returns the new end. */
function writeTextField(source: Buffer, from: number, to: number, target: Buffer, at: number): number {
  let quote = from === to;
  for (let k = from; k < to && !quote; k++) {
    const c = source[k];
    quote = c === QUOTE || c === COMMA || c === LF || c === CR;
  }
  if (!quote) return copyBytes(source, from, to, target, at);
  let o = at;
  target[o++] = QUOTE;
  for (let k = from; k < to; k++) {
    const c = source[k] as number;
    target[o++] = c;
    if (c === QUOTE) target[o++] = QUOTE;
  }
  target[o++] = QUOTE;
  return o;
}

/**
 * Rows rendered as CSV lines straight from the text protocol's length-coded fields into buffers of
 * `chunkBytes` (a longer row gets a buffer of its own): no JS value per field, one write per chunk.
 * The server renders what only it can (canonical doubles, booleans, hex); the quoting of text, the
 * costliest part of a server-side rendering, runs here while the server sends the next rows.
 */
export function createCsvLinePacker(kinds: readonly LineFieldKind[], chunkBytes: number): CsvLinePacker {
  const text = kinds.map((kind) => kind === 'text');
  let buffer = Buffer.allocUnsafe(chunkBytes);
  let at = 0;
  let lines = 0;
  const take = (): LineChunk => {
    const chunk = { lines, bytes: buffer.subarray(0, at) };
    lines = 0;
    at = 0;
    return chunk;
  };
  return {
    add(packet, start, end) {
      // Each field's length code takes >= 1 byte, so a field of n bytes becomes at most 2n + 3.
      const worst = 2 * (end - start) + text.length + 1;
      let full: LineChunk | undefined;
      if (at + worst > buffer.length) {
        if (at > 0) full = take();
        buffer = Buffer.allocUnsafe(Math.max(chunkBytes, worst));
      }
      let p = start;
      let o = at;
      for (let i = 0; i < text.length; i++) {
        if (i > 0) buffer[o++] = COMMA;
        let length = packet[p++] as number;
        if (length === NULL_FIELD) continue;
        if (length > NULL_FIELD) {
          const size = length === 0xfc ? 2 : length === 0xfd ? 3 : 8;
          length = size === 8 ? Number(packet.readBigUInt64LE(p)) : packet.readUIntLE(p, size);
          p += size;
        }
        o = text[i]
          ? writeTextField(packet, p, p + length, buffer, o)
          : copyBytes(packet, p, p + length, buffer, o);
        p += length;
      }
      buffer[o++] = LF;
      at = o;
      lines++;
      return full;
    },
    flush() {
      if (lines === 0) return undefined;
      const chunk = take();
      buffer = Buffer.allocUnsafe(chunkBytes);
      return chunk;
    },
  };
}
