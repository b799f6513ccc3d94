import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import type { ColumnInfo, CsvReadOptions } from '../core/data-plane.js';
import { OsirisError } from '../core/errors.js';
import { quoteString } from './canonical-text-sql.js';
import { describeCsvFault, findLineOfOffset, readHeaderNames } from './describe-csv-fault.js';
import type { FieldCountOrigin } from './describe-csv-fault.js';
import { loadDetectedCsv, sniffCsvColumns } from './load-detected-csv.js';
import { renderReaderOptions, resolveCsvDialect, resolveCsvEncoding } from './resolve-csv-dialect.js';
import { CsvFault, locateReaderLine, scanCsvRecords } from './scan-csv-records.js';
import type { CsvDialect } from './scan-csv-records.js';
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

/** What the file held, by the independent scan (absent for a FIFO, which can be read only once). */
interface ScannedFile {
  records: number;
  longestRecord: number;
  lineEnd: 'lf' | 'crlf' | 'none';
  /** Header names as written (a header without config.columns). */
  names?: string[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{'name': 'TYPE', ...}` for read_csv's `columns=` / `types=`. */
export function renderColumnStruct(columns: readonly ColumnInfo[]): string {
  return `{${columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ')}}`;
}

/** Whether the path is a FIFO (a database extractor's hand-over); throws io_error when unreadable. */
async function checkReadable(path: string, stepId: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    const kind = await stat(path);
    if (!kind.isFile() && !kind.isFIFO()) throw new Error('not a regular file');
    return kind.isFIFO();
  } catch (error) {
    throw new OsirisError('io_error', `cannot read CSV file ${path}: ${messageOf(error)}`, {
      where: stepId,
      cause: error,
    });
  }
}

/**
 * Create `target.table` from a CSV file, read strictly with the configured dialect: a byte scan first
 * checks every record and counts them (a bad record fails with file:line and the config key to
 * change), DuckDB then reads with exactly that dialect, and the rows it loaded must equal the
 * records counted. Returns the verified row count.
 */
export async function loadCsvTable(
  session: SqlSession,
  target: CsvLoadTarget,
  options: CsvReadOptions,
): Promise<number> {
  const { stepId } = target;
  const fifo = await checkReadable(options.path, stepId);
  const encoding = resolveCsvEncoding(options.encoding, stepId);
  let path = options.path;
  if (encoding === 'utf-16') {
    await transcodeUtf16ToUtf8(options.path, target.transcodePath).catch(async (error: unknown) => {
      await rm(target.transcodePath, { force: true });
      throw new OsirisError('io_error', `cannot decode ${options.path} as UTF-16: ${messageOf(error)}`, {
        where: stepId,
        cause: error,
      });
    });
    path = target.transcodePath;
  }
  try {
    const dialect = resolveCsvDialect(options, encoding === 'latin-1' ? 'latin-1' : 'utf-8', stepId);
    checkColumnNames(options.columns, stepId);
    const scanned = fifo ? undefined : await scanFile(path, options, dialect, stepId);
    const reader = renderReaderOptions(options, dialect, scanned);
    const source = (columns: readonly ColumnInfo[], extra: readonly string[] = []): string =>
      `read_csv(${[quoteString(path), ...reader, 'auto_detect=false', `columns=${renderColumnStruct(columns)}`, ...extra].join(', ')})`;
    try {
      if (options.columns && options.columns.length > 0) {
        await session.run(
          `CREATE OR REPLACE TABLE ${target.table} AS SELECT * FROM ${source(options.columns)}`,
        );
      } else {
        const file = { path, shownPath: options.path };
        const sniffed = await sniffCsvColumns(session, file, reader, scanned?.names, stepId);
        await loadDetectedCsv(session, target.table, source, sniffed);
      }
    } catch (error) {
      throw await explainReadError(error, { path, options, dialect, stepId, fifo });
    }
    const [row] = await session.query(`SELECT count(*) AS n FROM ${target.table}`);
    const rows = Number(row?.['n'] ?? -1);
    if (scanned && rows !== scanned.records) {
      await session.run(`DROP TABLE IF EXISTS ${target.table}`);
      throw new OsirisError(
        'io_error',
        `${options.path}: the file holds ${scanned.records} records but the reader loaded ${rows} rows; nothing was kept`,
        { where: stepId },
      );
    }
    return rows;
  } finally {
    if (encoding === 'utf-16') await rm(target.transcodePath, { force: true });
  }
}

function checkColumnNames(columns: readonly ColumnInfo[] | undefined, stepId: string): void {
  const duplicates = findDuplicates((columns ?? []).map((c) => c.name));
  if (duplicates.length > 0) {
    throw new OsirisError(
      'config_error',
      `config.columns names ${duplicates.join(', ')} more than once (names are compared without case)`,
      { where: stepId },
    );
  }
}

/** Names that occur more than once, compared as DuckDB does (without case), each shown once. */
function findDuplicates(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const name of names) seen.set(name.toLowerCase(), (seen.get(name.toLowerCase()) ?? 0) + 1);
  const shown = new Set<string>();
  for (const name of names) if ((seen.get(name.toLowerCase()) ?? 0) > 1) shown.add(JSON.stringify(name));
  return [...shown];
}

async function scanFile(
  path: string,
  options: CsvReadOptions,
  dialect: CsvDialect,
  stepId: string,
): Promise<ScannedFile> {
  const columns = options.columns && options.columns.length > 0 ? options.columns : undefined;
  const origin: FieldCountOrigin = columns ? 'columns' : dialect.header ? 'header' : 'first_record';
  const fail = (message: string): OsirisError => new OsirisError('io_error', message, { where: stepId });
  const scan = await scanCsvRecords(path, dialect, columns?.length).catch(async (error: unknown) => {
    if (!(error instanceof CsvFault)) throw error;
    const context = { scannedPath: path, shownPath: options.path, dialect, origin };
    throw fail(await describeCsvFault(error, context));
  });
  if (scan.records === 0 && scan.header === undefined && (dialect.header || !columns)) {
    throw fail(
      dialect.header
        ? `${options.path}: the file is empty; expected a header line with the column names (config.header is true)`
        : `${options.path}: the file is empty and config.columns is not given, so it has no columns`,
    );
  }
  const result: ScannedFile = {
    records: scan.records,
    longestRecord: scan.longestRecord,
    lineEnd: scan.lineEnd,
  };
  if (scan.header && !columns) {
    const names = await readHeaderNames(path, scan.header, dialect);
    const unnamed = names.findIndex((name) => name === '');
    if (unnamed >= 0)
      throw fail(
        `${options.path}:1: column ${unnamed + 1} of the header has no name; name the columns with config.columns`,
      );
    const duplicates = findDuplicates(names);
    if (duplicates.length > 0) {
      throw fail(
        `${options.path}:1: the header names ${duplicates.join(', ')} more than once (names are compared without case); name the columns with config.columns`,
      );
    }
    result.names = names;
  }
  return result;
}

/**
 * DuckDB's own message speaks of its options (`strict_mode=false`, `sample_size=-1`): keep what
 * failed, put the line in the file's terms, and name the Osiris key that changes the reading.
 */
async function explainReadError(
  error: unknown,
  at: { path: string; options: CsvReadOptions; dialect: CsvDialect; stepId: string; fifo: boolean },
): Promise<OsirisError> {
  if (error instanceof OsirisError) return error;
  const text = messageOf(error);
  const lines = text.split('\n');
  const converting = lines.find((l) => l.startsWith('Error when converting column'));
  const readerLine = Number(/CSV Error on Line: (\d+)/.exec(text)?.[1] ?? 0);
  let where = at.options.path;
  if (readerLine > 0) {
    const offset = await locateReaderLine(at.path, at.dialect, readerLine).catch(() => -1);
    if (offset >= 0) where += `:${await findLineOfOffset(at.path, offset)}`;
  }
  const conversion = /^Error when converting column (".*")\. Could not (.*)$/.exec(converting ?? '');
  // A hand-over's types come from the source database; a file's explicit types from config.columns.
  const what = conversion
    ? `column ${conversion[1]}: could not ${conversion[2]}${at.fifo ? '' : ' (the type comes from config.columns)'}`
    : (lines.find((l) => l.trim() !== '' && !l.startsWith('CSV Error on Line')) ?? text);
  return new OsirisError('io_error', `${where}: ${what}`, { where: at.stepId, cause: error });
}
