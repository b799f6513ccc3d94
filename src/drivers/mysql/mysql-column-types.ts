import type { MysqlColumn } from './mysql-protocol.js';
import type { LineFieldKind } from './mysql-protocol.js';
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
  /** A DATETIME/TIMESTAMP whose text may carry fraction digits (its precision is not 0). */
  fraction?: boolean;
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
      return { ...plain('TIMESTAMP'), fraction: c.decimals > 0 };
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
 * Marks a TINYINT(1) value other than 0 or 1 in the canonical CSV lines (after a \x01 byte), so
 * the extractor can refuse it as the data plane's parse would: only a text value holding exactly this
 * marker could be mistaken for one.
 */
export const NOT_BOOLEAN_TAG = 'osiris:not-0-or-1:';
export const NOT_BOOLEAN_MARK = `\u0001${NOT_BOOLEAN_TAG}`;

/**
 * A DOUBLE's text in the canonical form (ECMAScript's Number#toString). MariaDB prints the shortest
 * exact digits but with other thresholds: `1e15` and `1.23e-18` (no `+`, no padding), and plain
 * `0.000000025` below 1e-6; those are re-rendered (`1000000000000000`, `2.5e-8`).
 */
function renderDoubleText(ref: string): string {
  const t = `CAST(${ref} AS CHAR)`;
  const sign = `IF(${ref} < 0, '-', '')`;
  // Exponent form `[-]d[.ddd]e[-]X`.
  const e = `CAST(SUBSTRING_INDEX(${t}, 'e', -1) AS SIGNED)`;
  const digits = `REPLACE(REPLACE(SUBSTRING_INDEX(${t}, 'e', 1), '-', ''), '.', '')`;
  const fraction = `SUBSTRING(${digits}, 2)`;
  const fromExponent = `CONCAT(${sign}, CASE
      WHEN ${e} BETWEEN -6 AND -1 THEN CONCAT('0.', REPEAT('0', -${e} - 1), ${digits})
      WHEN ${e} BETWEEN 0 AND 20 AND LENGTH(${fraction}) <= ${e} THEN CONCAT(${digits}, REPEAT('0', ${e} - LENGTH(${fraction})))
      WHEN ${e} BETWEEN 0 AND 20 THEN CONCAT(LEFT(${digits}, ${e} + 1), '.', SUBSTRING(${digits}, ${e} + 2))
      ELSE CONCAT(LEFT(${digits}, 1), IF(${fraction} = '', '', CONCAT('.', ${fraction})), 'e', IF(${e} < 0, '-', '+'), ABS(${e}))
    END)`;
  // Plain `[-]0.000000ddd` below 1e-6, where ECMAScript writes an exponent.
  const small = `SUBSTRING_INDEX(${t}, '.', -1)`;
  const significant = `TRIM(LEADING '0' FROM ${small})`;
  const fromSmall = `CONCAT(${sign}, LEFT(${significant}, 1), IF(LENGTH(${significant}) > 1, CONCAT('.', SUBSTRING(${significant}, 2)), ''), 'e-', LENGTH(${small}) - LENGTH(${significant}) + 1)`;
  // Fast path: for 1e-6 <= |x| < 1e15 both print the same plain digits.
  return `CASE WHEN ${ref} = 0 THEN '0' WHEN ABS(${ref}) >= 1e-6 AND ABS(${ref}) < 1e15 THEN ${t}
    WHEN LOCATE('e', ${t}) > 0 THEN ${fromExponent} WHEN ABS(${ref}) < 1e-6 THEN ${fromSmall} ELSE ${t} END`;
}

/** One result column of a line query: what it selects, and how the client writes its field. */
export interface LineCell {
  /** The column reference itself, or the expression that renders it on the server. */
  sql: string;
  /** How the field is written (text is quoted by the client where CSV needs it). */
  kind: LineFieldKind;
  /** Whether the field is in the canonical form of its type (a FLOAT is not). */
  canonical: boolean;
}

/**
 * How one column travels as a CSV field: text as it is (the client quotes it), and the values whose
 * canonical form (docs/data-plane.md) the server must render as an expression: booleans, doubles,
 * DATETIME(n) fractions, binary strings as hex, BIT as its number. NULL is an empty field either way.
 * A FLOAT goes as the server prints it: its canonical digits (DuckDB's) are out of the server's reach.
 */
export function renderLineCell(ref: string, column: MappedMysqlColumn): LineCell {
  const plain = (sql: string): LineCell => ({ sql, kind: 'plain', canonical: true });
  if (column.render === 'quoted') return { sql: ref, kind: 'text', canonical: true };
  if (column.render === 'bit') return plain(`CAST(${ref} AS UNSIGNED)`);
  // An empty binary string stays '' (an unquoted empty field is NULL).
  if (column.render === 'hex') return plain(`IF(LENGTH(${ref}) = 0, '""', HEX(${ref}))`);
  if (column.type === 'BOOLEAN') {
    const bad = `CONCAT(CHAR(1), '${NOT_BOOLEAN_TAG}', ${ref})`;
    return plain(`CASE ${ref} WHEN 0 THEN 'false' WHEN 1 THEN 'true' ELSE ${bad} END`);
  }
  if (column.type === 'DOUBLE') return plain(renderDoubleText(ref));
  if (column.fraction) {
    // DATETIME(n) prints n fraction digits; the canonical form drops trailing zeros (and a bare `.`).
    const t = `CAST(${ref} AS CHAR)`;
    return plain(`IF(LOCATE('.', ${t}) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${t})), ${t})`);
  }
  if (column.type === 'FLOAT') return { sql: ref, kind: 'plain', canonical: false };
  // The rest print plain text that is never empty and needs no quotes (TIME, wide DECIMAL, numbers).
  return plain(ref);
}
