// `parse_dates: [col, ...]` of filesystem.csv_extractor (the upstream Python Osiris form): those columns
// are read as TIMESTAMP, as if config.columns declared them so.
import type { ColumnInfo, CsvReadOptions, TableInfo } from '../../core/data-plane.js';
import type { StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';

/** JSON Schema of `parse_dates`. */
export const PARSE_DATES_PROPERTY = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', minLength: 1 },
  description:
    'Columns read as TIMESTAMP (as if config.columns declared them so); a value that is not a date or timestamp fails the step with file:line.',
} as const;

/** Type names DuckDB reads as a plain TIMESTAMP. */
const TIMESTAMP_NAMES = ['TIMESTAMP', 'DATETIME', 'TIMESTAMP WITHOUT TIME ZONE'];

function isPlainTimestamp(type: string): boolean {
  return TIMESTAMP_NAMES.includes(type.trim().toUpperCase().replace(/\s+/g, ' '));
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Explicit columns with the parse_dates columns as TIMESTAMP. A parse_dates column that config.columns
 * leaves out, or declares with another type, is a config_error naming both keys.
 */
export function applyParseDates(
  columns: readonly ColumnInfo[],
  parseDates: readonly string[],
  stepId: string,
): ColumnInfo[] {
  const where = `step ${stepId} config.parse_dates`;
  const missing = parseDates.filter((name) => !columns.some((c) => c.name === name));
  if (missing.length > 0) {
    throw new OsirisError(
      'config_error',
      `config.parse_dates names ${missing.map((n) => `'${n}'`).join(', ')}, which config.columns does not declare (columns: ${columns.map((c) => c.name).join(', ')})`,
      { where },
    );
  }
  const conflict = columns.find((c) => parseDates.includes(c.name) && !isPlainTimestamp(c.type));
  if (conflict) {
    throw new OsirisError(
      'config_error',
      `config.parse_dates reads '${conflict.name}' as TIMESTAMP, but config.columns declares it ${conflict.type}; drop it from one of them`,
      { where },
    );
  }
  return columns.map((c) => (parseDates.includes(c.name) ? { ...c, type: 'TIMESTAMP' } : c));
}

/** A load error about a parse_dates column names parse_dates, not config.columns, as the type's origin. */
export function explainParseDatesError(error: unknown, parseDates: readonly string[]): unknown {
  if (!(error instanceof OsirisError)) return error;
  const column = /column "((?:[^"]|"")*)": could not/.exec(error.message)?.[1]?.replaceAll('""', '"');
  if (column === undefined || !parseDates.includes(column)) return error;
  const own = error.where ? error.message.slice(error.where.length + 2) : error.message;
  const message = own.replace(
    '(the type comes from config.columns)',
    '(config.parse_dates reads it as TIMESTAMP)',
  );
  return new OsirisError(error.code, message, { where: error.where, cause: error });
}

/**
 * Without config.columns: the file is read with detected types, then the parse_dates columns that are
 * not TIMESTAMP already are cast in place (ISO text and detected DATEs convert). When a value does not
 * convert, the file is read again with those columns as TIMESTAMP (the rest as text) so the failure
 * names the file and line, exactly as with config.columns.
 */
export async function loadDetectedWithParseDates(
  ctx: StepContext,
  options: CsvReadOptions,
  parseDates: readonly string[],
  shownPath: string,
): Promise<TableInfo> {
  const info = await ctx.dataPlane.createFromCsv(ctx.stepId, options);
  const names = info.columns.map((c) => c.name);
  const missing = parseDates.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new OsirisError(
      'config_error',
      `config.parse_dates names ${missing.map((n) => `'${n}'`).join(', ')}, which ${shownPath} does not have (its columns: ${names.join(', ')})`,
      { where: `step ${ctx.stepId} config.parse_dates` },
    );
  }
  const toCast = info.columns.filter((c) => parseDates.includes(c.name) && !isPlainTimestamp(c.type));
  if (toCast.length === 0) return info;
  const casts = toCast.map((c) => `CAST(${quoteIdent(c.name)} AS TIMESTAMP) AS ${quoteIdent(c.name)}`);
  try {
    // The step's own table, replaced by itself with the columns cast (input_df is that table).
    const cast = await ctx.dataPlane.createFromQuery(
      ctx.stepId,
      `SELECT * REPLACE (${casts.join(', ')}) FROM input_df`,
      { [ctx.stepId]: ctx.stepId },
    );
    return { ...cast, rows: info.rows };
  } catch (error) {
    throw await locateBadValue(ctx, options, info.columns, toCast, parseDates, error);
  }
}

/** Read the file again, the failing columns as TIMESTAMP and the others as text: the loader names the line. */
async function locateBadValue(
  ctx: StepContext,
  options: CsvReadOptions,
  columns: readonly ColumnInfo[],
  toCast: readonly ColumnInfo[],
  parseDates: readonly string[],
  castError: unknown,
): Promise<unknown> {
  const typed = columns.map((c) => ({
    name: c.name,
    type: toCast.some((t) => t.name === c.name) ? 'TIMESTAMP' : 'VARCHAR',
  }));
  try {
    await ctx.dataPlane.createFromCsv(ctx.stepId, { ...options, columns: typed });
  } catch (error) {
    return explainParseDatesError(error, parseDates);
  }
  const reason = castError instanceof Error ? castError.message : String(castError);
  return new OsirisError('io_error', `config.parse_dates: ${reason}`, {
    where: ctx.stepId,
    cause: castError,
  });
}
