import type { ColumnInfo } from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { quoteIdent, quoteString } from './canonical-text-sql.js';
import type { SqlSession } from './load-csv-table.js';

/** Columns whose types DuckDB detected from a sample, with the date formats it found. */
export interface SniffedColumns {
  /** Names (the header's, as written) and detected types, in file order. */
  columns: ColumnInfo[];
  /** `dateformat=` / `timestampformat=` options when a non-ISO format was detected. */
  formats: string[];
}

/** A read_csv call over the file with these columns (and extra options). */
export type CsvSource = (columns: readonly ColumnInfo[], extra: readonly string[]) => string;

/**
 * Types from DuckDB's sniffer, run with the dialect fixed: it only samples values (20,480 rows), it
 * never decides how records are split. Names are the header's own (the sniffer would rename
 * duplicates); without a header they are DuckDB's `column0`, `column1`...
 */
export async function sniffCsvColumns(
  session: SqlSession,
  file: { path: string; shownPath: string },
  readerOptions: readonly string[],
  names: readonly string[] | undefined,
  where: string,
): Promise<SniffedColumns> {
  const refuse = (what: string, cause?: unknown): OsirisError =>
    new OsirisError(
      'io_error',
      `${file.shownPath}: ${what}; give the columns and their types with config.columns`,
      { where, cause },
    );
  const [row] = await session
    .query(
      `SELECT Columns AS columns, DateFormat AS date_format, TimestampFormat AS timestamp_format
       FROM sniff_csv(${[quoteString(file.path), ...readerOptions].join(', ')})`,
    )
    .catch((error: unknown) => {
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      throw refuse(`the column types could not be detected (${first.replace(/ ".*"/, '')})`, error);
    });
  const sniffed = (row?.['columns'] ?? []) as { name: string; type: string }[];
  if (names && names.length !== sniffed.length)
    throw refuse(`type detection saw ${sniffed.length} columns where the header has ${names.length}`);
  const columns = sniffed.map((c, i) => ({ name: names?.[i] ?? c.name, type: c.type }));
  const formats: string[] = [];
  if (typeof row?.['date_format'] === 'string') formats.push(`dateformat=${quoteString(row['date_format'])}`);
  if (typeof row?.['timestamp_format'] === 'string')
    formats.push(`timestampformat=${quoteString(row['timestamp_format'])}`);
  return { columns, formats };
}

const isFloating = (type: string): boolean => type === 'DOUBLE' || type === 'FLOAT';

function isConversionError(error: unknown): boolean {
  return error instanceof Error && /Conversion Error|Error when converting column/.test(error.message);
}

/**
 * Load with the sniffed types. The sniffer types every number with a fraction as DOUBLE, which would
 * lose `10.50`: those columns are loaded as VARCHAR and converted to DECIMAL(18|38, s) when every
 * value is a plain decimal with the same scale s (exact, text unchanged), else to DOUBLE, unless a plain
 * value has more digits than a DOUBLE keeps (then VARCHAR: the text, exact). A value beyond the sample
 * that does not fit its sniffed type makes that column VARCHAR, never a failure.
 */
export async function loadDetectedCsv(
  session: SqlSession,
  table: string,
  source: CsvSource,
  sniffed: SniffedColumns,
): Promise<void> {
  const staged = sniffed.columns.map((c) => (isFloating(c.type) ? { ...c, type: 'VARCHAR' } : c));
  const create = (columns: readonly ColumnInfo[]): Promise<void> =>
    session.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${source(columns, sniffed.formats)}`);
  try {
    await create(staged);
  } catch (error) {
    if (!isConversionError(error)) throw error;
    await create(staged.map((c) => ({ ...c, type: 'VARCHAR' })));
    for (const c of staged) if (c.type !== 'VARCHAR') await alterColumn(session, table, c, sniffed.formats);
  }
  for (const c of sniffed.columns) if (isFloating(c.type)) await refineNumber(session, table, c.name);
}

/** Give a VARCHAR column its sniffed type when every value fits (with the sniffed date format). */
async function alterColumn(
  session: SqlSession,
  table: string,
  column: ColumnInfo,
  formats: readonly string[],
): Promise<void> {
  const c = quoteIdent(column.name);
  const format = formats
    .find((f) => f.startsWith(column.type === 'DATE' ? 'dateformat=' : 'timestampformat='))
    ?.replace(/^\w+=/, '');
  const using =
    format && (column.type === 'DATE' || column.type.startsWith('TIMESTAMP'))
      ? ` USING CAST(strptime(${c}, ${format}) AS ${column.type})`
      : '';
  await session.run(`ALTER TABLE ${table} ALTER ${c} TYPE ${column.type}${using}`).catch(() => undefined);
}

/**
 * A DOUBLE keeps every decimal of at most 15 significant digits; a plain number with more (a 40-digit
 * id, a 20-digit fraction of mixed scale) would silently lose digits, so its column stays VARCHAR.
 */
const DOUBLE_EXACT_DIGITS = 15;

async function refineNumber(session: SqlSession, table: string, name: string): Promise<void> {
  const c = quoteIdent(name);
  const [row] = await session.query(
    `SELECT count_if(NOT regexp_full_match(${c}, '[+-]?[0-9]+(\\.[0-9]+)?')) AS bad,
       min(length(split_part(${c}, '.', 2))) AS smin, max(length(split_part(${c}, '.', 2))) AS smax,
       max(length(ltrim(split_part(ltrim(${c}, '+-'), '.', 1), '0'))) AS digits,
       max(length(trim(replace(ltrim(${c}, '+-'), '.', ''), '0'))) AS significant
     FROM ${table} WHERE ${c} IS NOT NULL`,
  );
  const scale = Number(row?.['smax'] ?? 0);
  const width = Number(row?.['digits'] ?? 0) + scale;
  const plain = Number(row?.['bad']) === 0;
  const exact = row?.['smin'] !== null && plain && Number(row?.['smin']) === scale && width <= 38;
  if (!exact && plain && Number(row?.['significant'] ?? 0) > DOUBLE_EXACT_DIGITS) return;
  const type = exact ? `DECIMAL(${width <= 18 ? 18 : 38},${scale})` : 'DOUBLE';
  // A column that is not numeric after all (beyond the sample) stays VARCHAR.
  await session.run(`ALTER TABLE ${table} ALTER ${c} TYPE ${type}`).catch(() => undefined);
}
