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
 * A float's text in the canonical form (docs/data-plane.md: ECMAScript's Number#toString): PostgreSQL already
 * prints the shortest exact digits, but switches to exponent form at other thresholds (`1e-05`,
 * `1.2345678901234568e+17`); those values are re-rendered (`0.00001`, `123456789012345680`), and
 * `-0` becomes `0`. Only values outside [1e-4, 1e15) pay for the regular expression.
 */
function renderFloatText(ref: string): string {
  const t = `${ref}::text`;
  // PostgreSQL's exponent form is `[-]d[.ddd]e±XX`; string functions (no regular expression, no
  // sub-select) take it apart, since up to a tenth of real-world values take this branch.
  const at = `strpos(${t}, 'e')`;
  const e = `substr(${t}, ${at} + 1)::int`;
  const digits = `replace(replace(left(${t}, ${at} - 1), '-', ''), '.', '')`;
  const sign = `CASE WHEN ${ref} < 0 THEN '-' ELSE '' END`;
  const fraction = `substr(${digits}, 2)`;
  const exponentForm = `${sign} || CASE
      WHEN ${e} BETWEEN -6 AND -1 THEN '0.' || repeat('0', -${e} - 1) || ${digits}
      WHEN ${e} BETWEEN 0 AND 20 AND length(${fraction}) <= ${e} THEN ${digits} || repeat('0', ${e} - length(${fraction}))
      WHEN ${e} BETWEEN 0 AND 20 THEN left(${digits}, ${e} + 1) || '.' || substr(${digits}, ${e} + 2)
      ELSE left(${digits}, 1) || CASE WHEN ${fraction} = '' THEN '' ELSE '.' || ${fraction} END
        || 'e' || CASE WHEN ${e} < 0 THEN '-' ELSE '+' END || abs(${e})::text
    END`;
  // Plain digits are already canonical: PostgreSQL prints them for 1e-4 <= |x| < 1e15 (the cheap
  // test), and for NaN and Infinity (the text decides).
  return `CASE WHEN ${ref} = 0 THEN '0' WHEN abs(${ref}) >= 1e-4 AND abs(${ref}) < 1e15 THEN ${t}
    WHEN ${at} = 0 THEN ${t} ELSE ${exponentForm} END`;
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
  if (type === 'BOOLEAN') return `CASE WHEN ${ref} THEN 'true' WHEN NOT ${ref} THEN 'false' END`;
  if (type === 'DOUBLE') return renderFloatText(ref);
  return undefined;
}
