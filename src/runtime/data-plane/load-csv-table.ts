import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import type { ColumnInfo, CsvReadOptions } from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { quoteString } from './canonical-text-sql.js';
import { CsvFault } from './csv-fault.js';
import type { CsvDialect } from './csv-fault.js';
import { describeCsvFault, explainReaderError, readHeaderNames } from './describe-csv-fault.js';
import type { FieldCountOrigin } from './describe-csv-fault.js';
import { loadDetectedCsv, sniffCsvColumns } from './load-detected-csv.js';
import { renderReaderOptions, resolveCsvDialect, resolveCsvEncoding } from './resolve-csv-dialect.js';
import { scanCsvHead, scanCsvRecords } from './scan-csv-records.js';
import type { CsvScanResult } from './csv-scanner.js';
import { transcodeUtf16ToUtf8 } from './transcode-to-utf8.js';

/** What the loader needs of a DuckDB connection (kept small so this file needs no client import). */
export interface SqlSession {
  /** Run a statement. */
  run(sql: string): Promise<void>;
  /** Run a query and return its rows as objects. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Cancel the statement running now (the scan found a fault while DuckDB reads). */
  interrupt?(): void;
}

/** Where the load happens. */
export interface CsvLoadTarget {
  /** Step id (for messages). */
  stepId: string;
  /** Qualified, quoted table name to create or replace. */
  table: string;
  /** Path for a temporary UTF-8 copy when the source is UTF-16. */
  transcodePath: string;
  /** Aborted by the data plane's interrupt (Ctrl-C, the run timeout): the byte scan stops too. */
  signal?: AbortSignal;
}

/** The file being loaded and how it is read. */
export interface CsvFile {
  /** What is read (a UTF-16 source's UTF-8 copy). */
  path: string;
  /** The path shown in messages (the configured file). */
  shownPath: string;
  dialect: CsvDialect;
  options: CsvReadOptions;
  /** Explicit columns, when given. */
  columns: readonly ColumnInfo[] | undefined;
  stepId: string;
  signal: AbortSignal | undefined;
}

/** What the reader needs to know from the scans: absent for a FIFO (it can be read only once). */
export interface ReaderHints {
  lineEnd: CsvScanResult['lineEnd'];
  longestRecord: number;
  /** Header names as written (a header without config.columns). */
  names?: string[];
  /** Byte offset where the first data record starts (after a byte-order mark and the header). */
  dataStart: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{'name': 'TYPE', ...}` for read_csv's `columns=` / `types=`. */
export function renderColumnStruct(columns: readonly ColumnInfo[]): string {
  return `{${columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ')}}`;
}

/** Whether the path is a FIFO (a database extractor's hand-over); throws io_error when unreadable. */
export async function checkReadable(path: string, stepId: string): Promise<boolean> {
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
 * Create `target.table` from a CSV file, read strictly with the configured dialect: a byte scan with
 * the same dialect checks every record and counts them while DuckDB reads (a bad record fails with
 * file:line and the config key to change, and stops the reader), and the rows DuckDB loaded must
 * equal the records counted. Returns the verified row count.
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
    const columns = options.columns && options.columns.length > 0 ? options.columns : undefined;
    checkColumnNames(columns, stepId);
    const file: CsvFile = {
      path,
      shownPath: options.path,
      dialect,
      options,
      columns,
      stepId,
      signal: target.signal,
    };
    if (fifo) {
      await readIntoTable(session, target.table, file, undefined);
      return await countRows(session, target.table);
    }
    return await loadScannedFile(session, target.table, file);
  } finally {
    if (encoding === 'utf-16') await rm(target.transcodePath, { force: true });
  }
}

/**
 * The head first (header, line end, empty file); then, with explicit columns, the full scan runs
 * alongside DuckDB's read (it costs no wall time where a core is free). Type detection waits for the
 * full scan: the sniffer needs the longest record's length.
 */
async function loadScannedFile(session: SqlSession, table: string, file: CsvFile): Promise<number> {
  const head = await inspectHead(file);
  let scan: CsvScanResult;
  if (file.columns) scan = await readWhileScanning(session, table, file, head);
  else {
    scan = await scanWhole(file);
    const hints = { ...head, longestRecord: scan.longestRecord };
    await readIntoTable(session, table, file, hints).catch(async (error: unknown) => {
      throw await explainReaderError(error, { ...file, fifo: false });
    });
  }
  const rows = await countRows(session, table);
  if (rows !== scan.records) {
    await session.run(`DROP TABLE IF EXISTS ${table}`);
    throw new OsirisError(
      'io_error',
      `${file.shownPath}: the file holds ${scan.records} records but the reader loaded ${rows} rows; nothing was kept`,
      { where: file.stepId },
    );
  }
  return rows;
}

async function readWhileScanning(
  session: SqlSession,
  table: string,
  file: CsvFile,
  head: ReaderHints,
): Promise<CsvScanResult> {
  let cancelled = false;
  // Once the scan failed, no further statement starts and the running one is interrupted.
  const guarded: SqlSession = {
    run: (sql) => (cancelled ? Promise.reject(new Error('cancelled')) : session.run(sql)),
    query: (sql) => (cancelled ? Promise.reject(new Error('cancelled')) : session.query(sql)),
  };
  const scanning = scanWhole(file);
  scanning.catch(() => {
    cancelled = true;
    session.interrupt?.();
  });
  const attempt = (hints: ReaderHints, on: SqlSession): Promise<unknown> =>
    readIntoTable(on, table, file, hints).then(
      () => undefined,
      (error: unknown) => error ?? new Error('the read failed'),
    );
  let failure = await attempt(head, guarded);
  // A fault the scan found explains a failed read better than DuckDB does, and wins.
  const scan = await scanning.catch(async (error: unknown) => {
    await session.run(`DROP TABLE IF EXISTS ${table}`);
    throw error;
  });
  if (failure !== undefined && /Maximum line size/.test(messageOf(failure)))
    failure = await attempt({ ...head, longestRecord: scan.longestRecord }, session);
  if (failure !== undefined) throw await explainReaderError(failure, { ...file, fifo: false });
  return scan;
}

async function countRows(session: SqlSession, table: string): Promise<number> {
  const [row] = await session.query(`SELECT count(*) AS n FROM ${table}`);
  return Number(row?.['n'] ?? -1);
}

/** DuckDB reads the file with exactly the dialect: explicit columns, or sniffed types (values only). */
async function readIntoTable(
  session: SqlSession,
  table: string,
  file: CsvFile,
  hints: ReaderHints | undefined,
): Promise<void> {
  const reader = renderReaderOptions(file.options, file.dialect, hints);
  const source = (columns: readonly ColumnInfo[], extra: readonly string[] = []): string =>
    `read_csv(${[quoteString(file.path), ...reader, 'auto_detect=false', `columns=${renderColumnStruct(columns)}`, ...extra].join(', ')})`;
  try {
    if (file.columns) {
      await session.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${source(file.columns)}`);
    } else {
      const sniffed = await sniffCsvColumns(session, file, reader, hints?.names, file.stepId);
      await loadDetectedCsv(session, table, source, sniffed);
    }
  } catch (error) {
    if (hints === undefined) throw await explainReaderError(error, { ...file, fifo: true });
    throw error;
  }
}

export function checkColumnNames(columns: readonly ColumnInfo[] | undefined, stepId: string): void {
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

/** A scan's fault as the step's io_error: `file:line: what; config key`. */
async function failScan(error: unknown, file: CsvFile): Promise<never> {
  if (!(error instanceof CsvFault)) throw error;
  const origin: FieldCountOrigin = file.columns ? 'columns' : file.dialect.header ? 'header' : 'first_record';
  const context = { scannedPath: file.path, shownPath: file.shownPath, dialect: file.dialect, origin };
  throw new OsirisError('io_error', await describeCsvFault(error, context), { where: file.stepId });
}

export function scanWhole(
  file: CsvFile,
  onChunk?: (scannedTo: number, soFar: CsvScanResult) => void,
): Promise<CsvScanResult> {
  return scanCsvRecords(file.path, file.dialect, file.columns?.length, file.signal, onChunk).catch(
    (error: unknown) => failScan(error, file),
  );
}

/** The first record: an empty file is refused, a header's names are checked and kept. */
export async function inspectHead(file: CsvFile): Promise<ReaderHints> {
  const { dialect, shownPath } = file;
  const head = await scanCsvHead(file.path, dialect, file.columns?.length).catch((error: unknown) =>
    failScan(error, file),
  );
  const fail = (message: string): OsirisError =>
    new OsirisError('io_error', `${shownPath}${message}`, { where: file.stepId });
  if (head.records === 0 && head.header === undefined && (dialect.header || !file.columns)) {
    throw fail(
      dialect.header
        ? ': the file is empty; expected a header line with the column names (config.header is true)'
        : ': the file is empty and config.columns is not given, so it has no columns',
    );
  }
  const lineEndBytes = head.lineEnd === 'crlf' ? 2 : head.lineEnd === 'lf' ? 1 : 0;
  const dataStart = head.header ? head.header.end + lineEndBytes : head.bom ? 3 : 0;
  const hints: ReaderHints = { lineEnd: head.lineEnd, longestRecord: head.longestRecord, dataStart };
  if (head.header && !file.columns) {
    const names = await readHeaderNames(file.path, head.header, dialect);
    const unnamed = names.findIndex((name) => name === '');
    if (unnamed >= 0)
      throw fail(`:1: column ${unnamed + 1} of the header has no name; name the columns with config.columns`);
    const duplicates = findDuplicates(names);
    if (duplicates.length > 0) {
      throw fail(
        `:1: the header names ${duplicates.join(', ')} more than once (names are compared without case); name the columns with config.columns`,
      );
    }
    hints.names = names;
  }
  return hints;
}
