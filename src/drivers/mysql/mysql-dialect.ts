// MySQL and MariaDB as the shared SQL plumbing sees them.
import { OsirisError } from '../../core/index.js';
import { classifyKeysetType } from '../sql/incremental-read.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { readDecimal } from '../sql/sql-dialect.js';
import type { MysqlSession } from './mysql-client.js';
import { MYSQL_TLS_FIELDS } from './plan-mysql-connection.js';

/** The column type a writer creates for each data-plane (DuckDB) type; nested types are stored as text. */
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

/** `` `x` ``, doubling `` ` ``. */
function quoteMysqlIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * DECIMAL keeps its precision and scale; text in a primary key becomes VARCHAR(255) (InnoDB cannot
 * index LONGTEXT without a prefix); an unknown (nested) type is stored as its text.
 */
function mapMysqlColumnType(duckType: string, inPrimaryKey: boolean): string {
  const type = duckType.trim().toUpperCase();
  const decimal = readDecimal(type);
  if (decimal) return `DECIMAL(${decimal.precision},${decimal.scale})`;
  const known = MYSQL_TYPES[type];
  if (inPrimaryKey && (known === undefined || known === 'LONGTEXT' || known === 'JSON'))
    return 'VARCHAR(255)';
  if (known) return known;
  return type === 'BLOB' ? 'LONGBLOB' : 'LONGTEXT';
}

/** A quoted string (the session keeps backslash escapes on: mysql-client.ts). */
function quoteMysqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\0', '\\0')}'`;
}

/**
 * MySQL compares a string with a number as two doubles: a number is written bare (exact DECIMAL or
 * integer literal), a date or timestamp cast to its type, text quoted (the column's collation applies).
 */
function renderMysqlLiteral(text: string, duckType: string, what: string, where: string): string {
  switch (classifyKeysetType(duckType, 'key')) {
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(text))
        throw new OsirisError('config_error', `${what}: expected a number for a ${duckType} column`, {
          where,
        });
      return text;
    case 'temporal':
      return `CAST(${quoteMysqlString(text)} AS ${duckType === 'DATE' ? 'DATE' : 'DATETIME(6)'})`;
    default:
      return quoteMysqlString(text);
  }
}

/** The MySQL/MariaDB dialect. */
export const mysqlDialect: SqlDialect<MysqlSession> = {
  families: ['mysql'],
  tlsFields: MYSQL_TLS_FIELDS,
  quoteIdentifier: quoteMysqlIdentifier,
  mapColumnType: mapMysqlColumnType,
  renderLiteral: renderMysqlLiteral,
  // the key's first column updates itself when nothing else would: a clash is then a no-op, not an error
  renderUpsertClause: (keys, updates) =>
    `ON DUPLICATE KEY UPDATE ${(updates.length > 0 ? updates : keys.slice(0, 1))
      .map((n) => `${quoteMysqlIdentifier(n)} = VALUES(${quoteMysqlIdentifier(n)})`)
      .join(', ')}`,
  currentSchemaSql: 'DATABASE()',
  tableOptions: 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  // The client library loads with the first connection: a run without MySQL steps never parses it.
  open: async (endpoint, options) => (await import('./mysql-client.js')).openMysqlSession(endpoint, options),
  versionSql: 'SELECT VERSION()',
};
