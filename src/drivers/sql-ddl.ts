import { randomBytes } from 'node:crypto';
import type { ColumnInfo } from '../core/index.js';
import { OsirisError } from '../core/index.js';

/** SQL dialects the database writers speak. */
export const SQL_DIALECTS = ['postgres', 'mysql'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

/** A table name with its optional schema (PostgreSQL schema / MySQL database). */
export interface TableRef {
  /** Schema or database; the connection's default when absent. */
  schema?: string | undefined;
  /** Table name. */
  table: string;
}

/** Quote one identifier: `"x"` (doubling `"`) for PostgreSQL, `` `x` `` (doubling `` ` ``) for MySQL. */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  return dialect === 'postgres' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;
}

/** `schema.table` quoted. */
export function quoteTableRef(dialect: SqlDialect, ref: TableRef): string {
  const table = quoteIdentifier(dialect, ref.table);
  return ref.schema ? `${quoteIdentifier(dialect, ref.schema)}.${table}` : table;
}

/** PostgreSQL keeps the first 63 bytes of a longer identifier (NAMEDATALEN - 1) with only a NOTICE. */
export const POSTGRES_IDENTIFIER_BYTES = 63;

/**
 * Refuse identifiers PostgreSQL would silently truncate: the table would get other column names than
 * the input, two long names could become one, and the next upsert or append by the full name would fail.
 * Checked before connecting, so nothing is created; the message names each identifier in full.
 */
export function refuseTruncatedIdentifiers(ref: TableRef, columns: readonly string[], where: string): void {
  const named = [
    ...(ref.schema === undefined ? [] : [{ what: 'schema', name: ref.schema }]),
    { what: 'table', name: ref.table },
    ...columns.map((name) => ({ what: 'column', name })),
  ];
  const long = named.filter((n) => Buffer.byteLength(n.name) > POSTGRES_IDENTIFIER_BYTES);
  if (long.length === 0) return;
  const list = long.map((n) => `${n.what} "${n.name}" (${Buffer.byteLength(n.name)} bytes)`).join(', ');
  throw new OsirisError(
    'config_error',
    `${list}: PostgreSQL truncates identifiers to ${POSTGRES_IDENTIFIER_BYTES} bytes, so the table would not have these names; ` +
      'give shorter names (a column: rename it in the query before this step, e.g. SELECT "long name" AS short_name)',
    { where },
  );
}

/** A string literal for either dialect (only quote doubling: both sessions run without backslash escapes in literals we build). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const DECIMAL = /^DECIMAL\((\d+),\s*(\d+)\)$/;

const POSTGRES_TYPES: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'SMALLINT',
  SMALLINT: 'SMALLINT',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  HUGEINT: 'NUMERIC(39,0)',
  UTINYINT: 'SMALLINT',
  USMALLINT: 'INTEGER',
  UINTEGER: 'BIGINT',
  UBIGINT: 'NUMERIC(20,0)',
  UHUGEINT: 'NUMERIC(39,0)',
  FLOAT: 'REAL',
  DOUBLE: 'DOUBLE PRECISION',
  DATE: 'DATE',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_S: 'TIMESTAMP(0)',
  TIMESTAMP_MS: 'TIMESTAMP(3)',
  TIMESTAMP_NS: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
  INTERVAL: 'INTERVAL',
  UUID: 'UUID',
  JSON: 'JSONB',
  VARCHAR: 'TEXT',
};

const MYSQL_TYPES: Record<string, string> = {
  BOOLEAN: 'TINYINT(1)',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  HUGEINT: 'DECIMAL(39,0)',
  UTINYINT: 'TINYINT UNSIGNED',
  USMALLINT: 'SMALLINT UNSIGNED',
  UINTEGER: 'INT UNSIGNED',
  UBIGINT: 'BIGINT UNSIGNED',
  UHUGEINT: 'DECIMAL(39,0)',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DATE: 'DATE',
  TIME: 'TIME(6)',
  TIMESTAMP: 'DATETIME(6)',
  TIMESTAMP_S: 'DATETIME',
  TIMESTAMP_MS: 'DATETIME(3)',
  TIMESTAMP_NS: 'DATETIME(6)',
  'TIMESTAMP WITH TIME ZONE': 'DATETIME(6)',
  INTERVAL: 'VARCHAR(64)',
  UUID: 'CHAR(36)',
  JSON: 'JSON',
  VARCHAR: 'LONGTEXT',
};

/**
 * The column type a writer creates for a data-plane (DuckDB) type. DECIMAL keeps its precision and
 * scale; text in a MySQL primary key becomes VARCHAR(255) (InnoDB cannot index LONGTEXT without a
 * prefix); nested types are stored as their text (TEXT / LONGTEXT).
 */
export function mapColumnType(dialect: SqlDialect, duckType: string, inPrimaryKey = false): string {
  const type = duckType.trim().toUpperCase();
  const decimal = DECIMAL.exec(type);
  if (decimal)
    return dialect === 'postgres'
      ? `NUMERIC(${decimal[1]},${decimal[2]})`
      : `DECIMAL(${decimal[1]},${decimal[2]})`;
  const known = (dialect === 'postgres' ? POSTGRES_TYPES : MYSQL_TYPES)[type];
  if (
    dialect === 'mysql' &&
    inPrimaryKey &&
    (known === undefined || known === 'LONGTEXT' || known === 'JSON')
  ) {
    return 'VARCHAR(255)';
  }
  if (known) return known;
  if (type === 'BLOB') return dialect === 'postgres' ? 'BYTEA' : 'LONGBLOB';
  return dialect === 'postgres' ? 'TEXT' : 'LONGTEXT';
}

/** CREATE TABLE for these columns: quoted identifiers, NOT NULL on the primary key, no other constraint. */
export function renderCreateTable(
  dialect: SqlDialect,
  ref: TableRef,
  columns: readonly ColumnInfo[],
  primaryKey: readonly string[],
): string {
  const pk = new Set(primaryKey);
  const lines = columns.map((c) => {
    const inPk = pk.has(c.name);
    return `  ${quoteIdentifier(dialect, c.name)} ${mapColumnType(dialect, c.type, inPk)}${inPk ? ' NOT NULL' : ''}`;
  });
  if (primaryKey.length > 0) {
    lines.push(`  PRIMARY KEY (${primaryKey.map((k) => quoteIdentifier(dialect, k)).join(', ')})`);
  }
  const tail = dialect === 'mysql' ? ' DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci' : '';
  return `CREATE TABLE ${quoteTableRef(dialect, ref)} (\n${lines.join(',\n')}\n)${tail}`;
}

/** A fresh staging table name that shows its target (`osiris_stage_<table>_<random>`, within 63 characters). */
export function createStagingName(table: string): string {
  return `osiris_stage_${table.slice(0, 36)}_${randomBytes(6).toString('hex')}`;
}
