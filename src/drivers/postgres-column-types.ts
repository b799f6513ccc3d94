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

/**
 * A float's text in the canonical form (DESIGN 5.6, ECMAScript's Number#toString): PostgreSQL already
 * prints the shortest exact digits, but switches to exponent form at other thresholds (`1e-05`,
 * `1.2345678901234568e+17`); those values are re-rendered (`0.00001`, `123456789012345680`), and
 * `-0` becomes `0`. Only exponent values pay for the regular expression.
 */
function renderFloatText(ref: string): string {
  const t = `${ref}::text`;
  const part = (i: number): string => `(regexp_match(${t}, '^(-?)(\\d)(?:\\.(\\d+))?e([-+]\\d+)$'))[${i}]`;
  const [neg, d, r, e] = [part(1), part(2), `coalesce(${part(3)}, '')`, `(${part(4)})::int`];
  return `CASE WHEN ${ref} = 0 THEN '0' WHEN strpos(${t}, 'e') = 0 THEN ${t} ELSE ${neg} || CASE
    WHEN ${e} BETWEEN -6 AND -1 THEN '0.' || repeat('0', -${e} - 1) || ${d} || ${r}
    WHEN ${e} BETWEEN 0 AND 20 THEN CASE WHEN length(${r}) <= ${e} THEN ${d} || ${r} || repeat('0', ${e} - length(${r}))
      ELSE ${d} || substr(${r}, 1, ${e}) || '.' || substr(${r}, ${e} + 1) END
    ELSE ${d} || CASE WHEN ${r} = '' THEN '' ELSE '.' || ${r} END || 'e' || CASE WHEN ${e} < 0 THEN '-' ELSE '+' END || abs(${e})::text
  END END`;
}

/**
 * The expression that makes the server render one column in the canonical form of its data-plane
 * type, or undefined when PostgreSQL's own text already is (integers, NUMERIC(p,s), ISO dates and
 * timestamps in UTC, JSON, UUID, and every type kept as VARCHAR).
 */
export function renderPostgresCanonicalCell(ref: string, type: string): string | undefined {
  if (type === 'BOOLEAN') return `CASE WHEN ${ref} THEN 'true' WHEN NOT ${ref} THEN 'false' END`;
  if (type === 'DOUBLE' || type === 'FLOAT') return renderFloatText(ref);
  return undefined;
}
