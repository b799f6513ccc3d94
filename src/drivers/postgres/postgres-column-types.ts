import type { ColumnInfo } from '../../core/index.js';
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

/**
 * Types whose canonical text the client cannot derive from PostgreSQL's: DuckDB prints a FLOAT with its
 * exact decimal digits (`3624578.25`) where PostgreSQL prints the shortest (`3624578.2`).
 */
export const POSTGRES_UNRENDERABLE_TYPES: ReadonlySet<string> = new Set(['FLOAT']);

/** A column whose PostgreSQL text the client rewrites into the canonical form while it copies the rows. */
export type CanonicalCellKind = 'boolean' | 'double';

/**
 * How a column's text becomes canonical: undefined when PostgreSQL's own text already is (integers,
 * NUMERIC(p,s), ISO dates and timestamps in UTC, JSON, UUID, and every type kept as VARCHAR).
 */
export function readCanonicalCellKind(type: string): CanonicalCellKind | undefined {
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'DOUBLE') return 'double';
  return undefined;
}

/** `digits` (no point) with the point after `point` of them (negative: before the first), as plain decimals. */
function placePoint(digits: string, point: number): string {
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A double's PostgreSQL text (shortest exact digits) in the canonical form (docs/data-plane.md:
 * ECMAScript's Number#toString). PostgreSQL switches to exponent form below 1e-4 and from 1e15
 * (ECMAScript: below 1e-6 and from 1e21), prints two exponent digits (`1e-07`) and prints `-0`.
 */
export function renderCanonicalDouble(text: string): string {
  if (text === '-0') return '0';
  const e = text.indexOf('e');
  if (e < 0) return text;
  const exponent = Number(text.slice(e + 1));
  if ((exponent >= -6 && exponent <= -5) || (exponent >= 15 && exponent <= 20)) {
    const negative = text.startsWith('-');
    const mantissa = text.slice(negative ? 1 : 0, e);
    const dot = mantissa.indexOf('.');
    const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
    return (negative ? '-' : '') + placePoint(digits, (dot < 0 ? mantissa.length : dot) + exponent);
  }
  return text.replace('e-0', 'e-');
}
