import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import type { ColumnInfo, CsvReadOptions } from '../core/data-plane.js';
import { OsirisError } from '../core/errors.js';
import { quoteIdent, quoteString } from './canonical-text-sql.js';
import { transcodeUtf16ToUtf8 } from './transcode-to-utf8.js';

/** What the loader needs of a DuckDB connection (kept small so this file needs no client import). */
export interface SqlSession {
  /** Run a statement. */
  run(sql: string): Promise<void>;
  /** Run a query and return its rows as objects. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** Where the load happens. */
export interface CsvLoadTarget {
  /** Step id (for messages). */
  stepId: string;
  /** Qualified, quoted table name to create or replace. */
  table: string;
  /** Path for a temporary UTF-8 copy when the source is UTF-16. */
  transcodePath: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{'name': 'TYPE', ...}` for read_csv's `columns=` / `types=`. */
export function renderColumnStruct(columns: readonly ColumnInfo[]): string {
  return `{${columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ')}}`;
}

function renderDialect(o: CsvReadOptions, encoding: string): string[] {
  return [
    `delim=${quoteString(o.delimiter)}`,
    `header=${o.header ? 'true' : 'false'}`,
    `quote=${quoteString(o.quote)}`,
    `escape=${quoteString(o.escape)}`,
    `nullstr=${quoteString(o.nullString)}`,
    // PERF-NOTES gotcha 16: the default turns "" into NULL; the convention keeps it as ''.
    'allow_quoted_nulls=false',
    `encoding=${quoteString(encoding)}`,
  ];
}

async function checkReadable(path: string, stepId: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
    const kind = await stat(path);
    // A FIFO is fine: database extractors stream their CSV through one while DuckDB reads it.
    if (!kind.isFile() && !kind.isFIFO()) throw new Error('not a regular file');
  } catch (error) {
    throw new OsirisError('io_error', `cannot read CSV file ${path}: ${messageOf(error)}`, {
      where: stepId,
      cause: error,
    });
  }
}

/** Create `target.table` from a CSV file with read_csv (explicit types, or detection that keeps DECIMAL exact). */
export async function loadCsvTable(
  session: SqlSession,
  target: CsvLoadTarget,
  options: CsvReadOptions,
): Promise<void> {
  const { stepId } = target;
  await checkReadable(options.path, stepId);
  const encoding = options.encoding.toLowerCase().replace(/_/g, '-');
  let path = options.path;
  let readEncoding = 'utf-8';
  let transcoded = false;
  if (encoding === 'latin-1' || encoding === 'latin1' || encoding === 'iso-8859-1') readEncoding = 'latin-1';
  else if (encoding.startsWith('utf-16')) {
    await transcodeUtf16ToUtf8(options.path, target.transcodePath).catch(async (error: unknown) => {
      await rm(target.transcodePath, { force: true });
      throw new OsirisError('io_error', `cannot decode ${options.path} as UTF-16: ${messageOf(error)}`, {
        where: stepId,
        cause: error,
      });
    });
    path = target.transcodePath;
    transcoded = true;
  } else if (encoding !== 'utf-8' && encoding !== 'utf8') {
    throw new OsirisError(
      'config_error',
      `unsupported encoding "${options.encoding}" (expected utf-8, utf-16 or latin-1)`,
      {
        where: stepId,
      },
    );
  }
  const dialect = renderDialect(options, readEncoding);
  const source = (extra: string[]): string =>
    `read_csv(${[quoteString(path), ...dialect, ...extra].join(', ')})`;
  try {
    if (options.columns && options.columns.length > 0) {
      const explicit = [`columns=${renderColumnStruct(options.columns)}`, 'auto_detect=false'];
      await session.run(`CREATE OR REPLACE TABLE ${target.table} AS SELECT * FROM ${source(explicit)}`);
    } else {
      await loadDetected(session, target.table, source);
    }
  } catch (error) {
    if (error instanceof OsirisError) throw error;
    throw new OsirisError('io_error', `reading ${options.path}: ${messageOf(error)}`, {
      where: stepId,
      cause: error,
    });
  } finally {
    if (transcoded) await rm(target.transcodePath, { force: true });
  }
}

/**
 * Detection: DuckDB's sniffer types the columns from a sample (20,480 rows). It types every number
 * with a fraction as DOUBLE, which would lose `10.50`; those columns are loaded as VARCHAR and then
 * converted: to DECIMAL(18|38, s) when every value is a plain decimal with the same scale s (exact,
 * text unchanged), else to DOUBLE, else they stay VARCHAR.
 */
async function loadDetected(
  session: SqlSession,
  table: string,
  source: (extra: string[]) => string,
): Promise<void> {
  const sniffed = await session.query(`DESCRIBE SELECT * FROM ${source(['auto_detect=true'])}`);
  const candidates = sniffed
    .filter((row) => row['column_type'] === 'DOUBLE' || row['column_type'] === 'FLOAT')
    .map((row) => String(row['column_name']));
  const types = candidates.length
    ? [`types=${renderColumnStruct(candidates.map((name) => ({ name, type: 'VARCHAR' })))}`]
    : [];
  await session.run(
    `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${source(['auto_detect=true', ...types])}`,
  );
  for (const name of candidates) {
    const c = quoteIdent(name);
    const [row] = await session.query(
      `SELECT count_if(NOT regexp_full_match(${c}, '[+-]?[0-9]+(\\.[0-9]+)?')) AS bad,
         min(length(split_part(${c}, '.', 2))) AS smin, max(length(split_part(${c}, '.', 2))) AS smax,
         max(length(ltrim(split_part(ltrim(${c}, '+-'), '.', 1), '0'))) AS digits
       FROM ${table} WHERE ${c} IS NOT NULL`,
    );
    const scale = Number(row?.['smax'] ?? 0);
    const width = Number(row?.['digits'] ?? 0) + scale;
    const exact =
      row?.['smin'] !== null && Number(row?.['bad']) === 0 && Number(row?.['smin']) === scale && width <= 38;
    const type = exact ? `DECIMAL(${width <= 18 ? 18 : 38},${scale})` : 'DOUBLE';
    // A column that is not numeric after all (beyond the sample) stays VARCHAR.
    await session.run(`ALTER TABLE ${table} ALTER ${c} TYPE ${type}`).catch(() => undefined);
  }
}
