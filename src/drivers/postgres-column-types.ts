import type { ColumnInfo } from '../core/index.js';
import type { PostgresField } from './postgres-client.js';

/** DuckDB DECIMAL holds at most 38 digits; wider or unconstrained NUMERIC travels as exact text. */
const MAX_DECIMAL_PRECISION = 38;

const BY_OID: Record<number, string> = {
  16: 'BOOLEAN',
  20: 'BIGINT',
  21: 'SMALLINT',
  23: 'INTEGER',
  26: 'BIGINT',
  700: 'FLOAT',
  701: 'DOUBLE',
  1082: 'DATE',
  1083: 'TIME',
  1114: 'TIMESTAMP',
  1184: 'TIMESTAMP WITH TIME ZONE',
  114: 'JSON',
  3802: 'JSON',
  2950: 'UUID',
};

const NUMERIC_OID = 1700;

/**
 * Data-plane type of a PostgreSQL result column. NUMERIC(p,s) keeps p and s; everything without an
 * exact DuckDB counterpart (unconstrained NUMERIC, intervals, arrays, bytea as `\x` hex, enums, ...)
 * keeps PostgreSQL's text as VARCHAR.
 */
export function mapPostgresField(field: PostgresField): ColumnInfo {
  if (field.typeOid === NUMERIC_OID) {
    if (field.typeModifier < 4) return { name: field.name, type: 'VARCHAR' };
    const precision = ((field.typeModifier - 4) >> 16) & 0xffff;
    const scale = (field.typeModifier - 4) & 0xffff;
    const exact = precision >= 1 && precision <= MAX_DECIMAL_PRECISION && scale <= precision;
    return { name: field.name, type: exact ? `DECIMAL(${precision},${scale})` : 'VARCHAR' };
  }
  return { name: field.name, type: BY_OID[field.typeOid] ?? 'VARCHAR' };
}
