// MySQL and MariaDB as the shared SQL plumbing sees them.
import type { SqlDialect } from '../sql/sql-dialect.js';
import { readDecimal } from '../sql/sql-dialect.js';
import type { MysqlSession } from './mysql-client.js';
import { openMysqlSession } from './mysql-client.js';
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

/** The MySQL/MariaDB dialect. */
export const mysqlDialect: SqlDialect<MysqlSession> = {
  families: ['mysql'],
  tlsFields: MYSQL_TLS_FIELDS,
  quoteIdentifier: quoteMysqlIdentifier,
  mapColumnType: mapMysqlColumnType,
  tableOptions: 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
  open: openMysqlSession,
  versionSql: 'SELECT VERSION()',
};
