// PostgreSQL (and Supabase, which is PostgreSQL) as the shared SQL plumbing sees it.
import { OsirisError } from '../../core/index.js';
import type { SqlDialect, TableRef } from '../sql/sql-dialect.js';
import { readDecimal } from '../sql/sql-dialect.js';
import { POSTGRES_TLS_FIELDS } from './plan-postgres-connection.js';
import type { PostgresSession, PostgresSessionOptions } from './postgres-client.js';

/** Runtime dependencies of the PostgreSQL components (pinned; checked in sandboxes). */
export const POSTGRES_RUNTIME_DEPENDENCIES = [
  { name: 'pg', version: '8.23.1' },
  { name: 'pg-copy-streams', version: '7.0.0' },
];

/** The column type a writer creates for each data-plane (DuckDB) type; nested types are stored as text. */
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
  BLOB: 'BYTEA',
};

/** `"x"`, doubling `"`. */
function quotePostgresIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** DECIMAL keeps its precision and scale; an unknown (nested) type is stored as its text. */
function mapPostgresColumnType(duckType: string): string {
  const type = duckType.trim().toUpperCase();
  const decimal = readDecimal(type);
  if (decimal) return `NUMERIC(${decimal.precision},${decimal.scale})`;
  return POSTGRES_TYPES[type] ?? 'TEXT';
}

/**
 * An escape-string constant (`E'…'`, the same whatever standard_conforming_strings says). Its type is
 * unknown until compared, so PostgreSQL reads it as the column's own type: exact for every type.
 */
function renderPostgresLiteral(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** The PostgreSQL dialect (also Supabase's). */
export const postgresDialect: SqlDialect<PostgresSession, PostgresSessionOptions> = {
  families: ['postgres', 'supabase'],
  tlsFields: POSTGRES_TLS_FIELDS,
  quoteIdentifier: quotePostgresIdentifier,
  mapColumnType: mapPostgresColumnType,
  renderLiteral: renderPostgresLiteral,
  renderUpsertClause: (keys, updates) => {
    const q = quotePostgresIdentifier;
    // A key-only table sets its (first) key to itself rather than DO NOTHING: DO NOTHING let duplicate
    // keys of one input pass and counted rows it did not write; DO UPDATE refuses them (21000).
    const set = (updates.length > 0 ? updates : keys.slice(0, 1)).map((n) => `${q(n)} = EXCLUDED.${q(n)}`);
    return `ON CONFLICT (${keys.map(q).join(', ')}) DO UPDATE SET ${set.join(', ')}`;
  },
  currentSchemaSql: 'current_schema()',
  tableOptions: '',
  // The client library loads with the first connection: a run without PostgreSQL steps never parses it.
  open: async (endpoint, options) =>
    (await import('./postgres-client.js')).openPostgresSession(endpoint, options),
  versionSql: 'SHOW server_version',
};

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
