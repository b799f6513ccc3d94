import type { MysqlColumn } from './mysql-protocol.js';
import { BINARY_CHARSET, MYSQL_TYPES } from './mysql-protocol.js';

/**
 * How a value travels as CSV text: `plain` needs no quoting and is never empty (numbers, dates),
 * `quoted` is text, `hex` is a binary string sent as upper-case hexadecimal, `bit` is a BIT value
 * sent as its number.
 */
export const CELL_RENDERS = ['plain', 'quoted', 'hex', 'bit'] as const;
export type CellRender = (typeof CELL_RENDERS)[number];

/** A source column with the data-plane (DuckDB) type it lands in. */
export interface MappedMysqlColumn {
  /** Column name. */
  name: string;
  /** DuckDB type text. */
  type: string;
  /** How its cells are rendered. */
  render: CellRender;
}

const FLAG_UNSIGNED = 32;
/** DuckDB DECIMAL holds at most 38 digits; wider values travel as exact text. */
const MAX_DECIMAL_PRECISION = 38;

function mapDecimal(c: MysqlColumn, unsigned: boolean): string {
  const scale = c.decimals;
  const precision = c.length - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
  if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) return 'VARCHAR';
  return `DECIMAL(${precision},${scale})`;
}

/** Data-plane type of a MySQL/MariaDB result column; TINYINT(1) is BOOLEAN unless told otherwise. */
export function mapMysqlColumn(c: MysqlColumn, tinyint1AsBoolean = true): MappedMysqlColumn {
  const unsigned = (c.flags & FLAG_UNSIGNED) !== 0;
  const plain = (type: string): MappedMysqlColumn => ({ name: c.name, type, render: 'plain' });
  switch (c.typeCode) {
    case MYSQL_TYPES.TINY:
      return plain(c.length === 1 && tinyint1AsBoolean ? 'BOOLEAN' : unsigned ? 'UTINYINT' : 'TINYINT');
    case MYSQL_TYPES.SHORT:
      return plain(unsigned ? 'USMALLINT' : 'SMALLINT');
    case MYSQL_TYPES.INT24:
    case MYSQL_TYPES.LONG:
      return plain(unsigned ? 'UINTEGER' : 'INTEGER');
    case MYSQL_TYPES.LONGLONG:
      return plain(unsigned ? 'UBIGINT' : 'BIGINT');
    case MYSQL_TYPES.DECIMAL:
    case MYSQL_TYPES.NEWDECIMAL:
      return plain(mapDecimal(c, unsigned));
    case MYSQL_TYPES.FLOAT:
      return plain('FLOAT');
    case MYSQL_TYPES.DOUBLE:
      return plain('DOUBLE');
    case MYSQL_TYPES.YEAR:
      return plain('SMALLINT');
    case MYSQL_TYPES.DATE:
    case MYSQL_TYPES.NEWDATE:
      return plain('DATE');
    case MYSQL_TYPES.DATETIME:
    case MYSQL_TYPES.TIMESTAMP:
      return plain('TIMESTAMP');
    case MYSQL_TYPES.TIME:
      // MySQL TIME is a duration (-838:59:59 .. 838:59:59), wider than a time of day.
      return plain('VARCHAR');
    case MYSQL_TYPES.BIT:
      return { name: c.name, type: 'UBIGINT', render: 'bit' };
    case MYSQL_TYPES.NULL:
      return plain('VARCHAR');
    case MYSQL_TYPES.JSON:
      return { name: c.name, type: 'JSON', render: 'quoted' };
    case MYSQL_TYPES.GEOMETRY:
      return { name: c.name, type: 'VARCHAR', render: 'hex' };
    default:
      // MariaDB's JSON is LONGTEXT with a json_valid check; the extended metadata names it.
      if (c.format === 'json') return { name: c.name, type: 'JSON', render: 'quoted' };
      return { name: c.name, type: 'VARCHAR', render: c.charset === BINARY_CHARSET ? 'hex' : 'quoted' };
  }
}

/**
 * The SQL expression that renders one column as a CSV field on the server: NULL becomes an empty
 * unquoted field and any text is quoted with `"` doubled, so the client only joins lines.
 */
export function renderCsvCellSql(quotedRef: string, render: CellRender): string {
  switch (render) {
    case 'plain':
      return `IFNULL(${quotedRef},'')`;
    case 'quoted':
      return `IFNULL(CONCAT('"',REPLACE(${quotedRef},'"','""'),'"'),'')`;
    case 'hex':
      // Quoted: an empty binary string must stay '' (an unquoted empty field is NULL).
      return `IFNULL(CONCAT('"',HEX(${quotedRef}),'"'),'')`;
    case 'bit':
      return `IFNULL(CAST(${quotedRef} AS UNSIGNED),'')`;
  }
}
