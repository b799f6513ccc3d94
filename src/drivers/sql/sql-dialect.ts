/**
 * What differs between the SQL databases the drivers talk to. One implementation per database
 * (mysql/mysql-dialect.ts, postgres/postgres-dialect.ts), bound by that database's driver modules;
 * the shared SQL plumbing in this folder works on any of them.
 */
import { randomBytes } from 'node:crypto';
import type { ColumnInfo } from '../../core/index.js';
import type { DatabaseEndpoint } from './database-endpoint.js';

/** A table name with its optional schema (PostgreSQL schema / MySQL database). */
export interface TableRef {
  /** Schema or database; the connection's default when absent. */
  schema?: string | undefined;
  /** Table name. */
  table: string;
}

/** The connection fields (and DSN options) that carry TLS settings, in the database's own names. */
export interface TlsFields {
  /** The TLS mode field (`sslmode`, `ssl_mode`). */
  mode: string;
  /** The CA certificate field (`sslrootcert`, `ssl_ca`). */
  ca: string;
}

/** The little every SQL session offers (the probe needs no more). */
export interface SqlSession {
  /** Run one statement; rows come back as text. */
  query(sql: string): Promise<{ rows: (string | null)[][] }>;
  /** Close politely. */
  close(): Promise<void>;
  /** Drop the socket at once (abort). */
  destroy(): void;
}

/** Connection options besides the endpoint. */
export interface SqlSessionOptions {
  /** Give up connecting after this many ms. */
  connectTimeoutMs: number;
  /** Step id or component for messages. */
  where: string;
}

/** One SQL database: how to name things, which types to create, how to connect. */
export interface SqlDialect<
  S extends SqlSession = SqlSession,
  O extends SqlSessionOptions = SqlSessionOptions,
> {
  /** Connection families this database serves (`supabase` is a PostgreSQL flavour). */
  families: readonly string[];
  /** Connection fields that carry the TLS mode and CA certificate. */
  tlsFields: TlsFields;
  /** Quote one identifier (doubling the quote character inside it). */
  quoteIdentifier(name: string): string;
  /** The column type a created table gets for a data-plane (DuckDB) type; key columns must be indexable. */
  mapColumnType(duckType: string, inPrimaryKey: boolean): string;
  /**
   * A literal holding `text` (a canonical data-plane value of `duckType`) that the database compares with
   * a column of that type in the column's own type; `what` and `where` name it in errors.
   */
  renderLiteral(text: string, duckType: string, what: string, where: string): string;
  /** `ON CONFLICT … DO UPDATE` / `ON DUPLICATE KEY UPDATE`: an INSERT that updates `updates` on a key clash. */
  renderUpsertClause(keys: readonly string[], updates: readonly string[]): string;
  /** SQL for the session's default schema (or database). */
  currentSchemaSql: string;
  /** What follows `CREATE TABLE t (...)` (character set and collation), or ''. */
  tableOptions: string;
  /** Open a session with the database's TLS plan and session settings; throws a masked DatabaseFailure. */
  open(endpoint: DatabaseEndpoint, options: O): Promise<S>;
  /** A statement whose one row and column is the server version (for `connections doctor`). */
  versionSql: string;
}

/** `schema.table` quoted. */
export function quoteTableRef(dialect: SqlDialect, ref: TableRef): string {
  const table = dialect.quoteIdentifier(ref.table);
  return ref.schema ? `${dialect.quoteIdentifier(ref.schema)}.${table}` : table;
}

/** CREATE TABLE for these columns: quoted identifiers, NOT NULL on the primary key, no other constraint. */
export function renderCreateTable(
  dialect: SqlDialect,
  ref: TableRef,
  columns: readonly ColumnInfo[],
  primaryKey: readonly string[],
): string {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const pk = new Set(primaryKey);
  const lines = columns.map((c) => {
    const inPk = pk.has(c.name);
    return `  ${q(c.name)} ${dialect.mapColumnType(c.type, inPk)}${inPk ? ' NOT NULL' : ''}`;
  });
  if (primaryKey.length > 0) lines.push(`  PRIMARY KEY (${primaryKey.map(q).join(', ')})`);
  const tail = dialect.tableOptions ? ` ${dialect.tableOptions}` : '';
  return `CREATE TABLE ${quoteTableRef(dialect, ref)} (\n${lines.join(',\n')}\n)${tail}`;
}

/** A fresh staging table name that shows its target (`osiris_stage_<table>_<random>`, within 63 characters). */
export function createStagingName(table: string): string {
  return `osiris_stage_${table.slice(0, 36)}_${randomBytes(6).toString('hex')}`;
}

/** DECIMAL(p,s) of a data-plane type: precision and scale, or undefined for another type. */
export function readDecimal(duckType: string): { precision: string; scale: string } | undefined {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  return m ? { precision: m[1] as string, scale: m[2] as string } : undefined;
}
