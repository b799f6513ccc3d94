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
 * A float's text in the canonical form (docs/data-plane.md: ECMAScript's Number#toString). PostgreSQL
 * prints the same shortest exact digits but switches to exponent form at other thresholds: below 1e-4
 * and from 1e15 (ECMAScript: below 1e-6 and from 1e21), with two exponent digits (`1e-07`); and it
 * prints `-0`. In between, the exponent text read as NUMERIC prints its plain digits exactly. The cheap
 * range test comes first: most values are plain in both.
 */
function renderFloatText(ref: string): string {
  const t = `${ref}::text`;
  return `CASE WHEN abs(${ref}) >= 1e-4 AND abs(${ref}) < 1e15 THEN ${t} WHEN ${ref} = 0 THEN '0'
    WHEN abs(${ref}) >= 1e-6 AND abs(${ref}) < 1e21 THEN ${t}::numeric::text
    ELSE replace(${t}, 'e-0', 'e-') END`;
}

/**
 * Types whose canonical text the server cannot produce: DuckDB prints a FLOAT with its exact decimal
 * digits (`3624578.25`) where PostgreSQL prints the shortest (`3624578.2`).
 */
export const POSTGRES_UNRENDERABLE_TYPES: ReadonlySet<string> = new Set(['FLOAT']);

/**
 * The expression that makes the server render one column in the canonical form of its data-plane
 * type, or undefined when PostgreSQL's own text already is (integers, NUMERIC(p,s), ISO dates and
 * timestamps in UTC, JSON, UUID, and every type kept as VARCHAR).
 */
export function renderPostgresCanonicalCell(ref: string, type: string): string | undefined {
  // A boolean cast to text is `true`/`false` (its output form is `t`/`f`).
  if (type === 'BOOLEAN') return `${ref}::text`;
  if (type === 'DOUBLE') return renderFloatText(ref);
  return undefined;
}
