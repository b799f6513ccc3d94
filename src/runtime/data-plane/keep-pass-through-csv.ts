/**
 * A CSV extractor's output kept as the source file itself, unparsed, for database loaders that read
 * its dialect natively (a pass-through hand-over). The strict reading rules still hold: the byte scan
 * checks every record's structure (file:line on a fault, failing the extractor) and counts the records,
 * which the loader's count must match. A loader may read while the scan runs, each chunk only once the
 * scan passed it. Values are checked by the target database; DuckDB only samples the file when the
 * types are not declared (to plan a table and to find date forms a loader would read differently).
 */
import { createReadStream } from 'node:fs';
import type {
  ColumnInfo,
  CsvReadOptions,
  PassThroughCsv,
  PassThroughFacts,
  TableInfo,
} from '../../core/data-plane.js';
import { PassThroughRefused } from '../../core/data-plane.js';
import type { CsvDialect } from './csv-fault.js';
import { findLineOfOffset } from './describe-csv-fault.js';
import { describeInputFailure } from './live-canonical-output.js';
import type { CsvFile, ReaderHints } from './load-csv-table.js';
import { checkColumnNames, checkReadable, inspectHead, scanWhole } from './load-csv-table.js';
import type { SniffedColumns } from './load-detected-csv.js';
import { renderReaderOptions, resolveCsvDialect, resolveCsvEncoding } from './resolve-csv-dialect.js';
import { locateReaderLine } from './scan-csv-records.js';
import type { CsvScanResult } from './csv-scanner.js';

/** A sniffed date or timestamp format that is ISO 8601, which every loader reads as DuckDB does. */
const ISO_FORMAT = /^\w+='%Y-%m-%d([ T]%H:%M:%S(\.%f)?)?'$/;

/** DuckDB's sniffer over a file read with these reader options (header names kept). */
export type CsvSniffer = (
  file: { path: string; shownPath: string; stepId: string },
  readerOptions: readonly string[],
  names: readonly string[] | undefined,
) => Promise<SniffedColumns>;

/** A file kept unparsed with its scan running (the extractor awaits `scanning`), or why it is parsed. */
export type InspectedCsv =
  | { kept: PassThroughCsv; scanning: Promise<CsvScanResult>; stop: (reason: Error) => void }
  | { parsedBecause: string };

/**
 * Check the file's head, sample its types when they are not declared, and keep it unparsed while the
 * whole scan runs; or say why it must be parsed (the caller loads it typed). A fault of the head
 * throws as the typed load's does (io_error with file:line); a fault found later rejects `scanning`.
 */
export async function keepPassThroughCsv(
  stepId: string,
  options: CsvReadOptions,
  sniff: CsvSniffer,
  signal: AbortSignal,
  readerStarting: boolean,
): Promise<InspectedCsv> {
  if (options.typedOnly) return { parsedBecause: 'the extractor converts values (parse_dates)' };
  if (await checkReadable(options.path, stepId)) return { parsedBecause: 'the source is a pipe' };
  const encoding = resolveCsvEncoding(options.encoding, stepId);
  if (encoding === 'utf-16') return { parsedBecause: 'the file is UTF-16, which loaders do not read' };
  const dialect = resolveCsvDialect(options, encoding, stepId);
  const declared = options.columns && options.columns.length > 0 ? options.columns : undefined;
  checkColumnNames(declared, stepId);
  const stop = new AbortController();
  const scanSignal = AbortSignal.any([signal, stop.signal]);
  const file: CsvFile = {
    path: options.path,
    shownPath: options.path,
    dialect,
    options,
    columns: declared,
    stepId,
    signal: scanSignal,
  };
  const head = await inspectHead(file);
  const asked = askForScan(scanSignal, readerStarting);
  // the scan runs in Node (once asked) while DuckDB samples the types on its own threads
  const progress = createScanProgress(stepId, asked.open);
  // stopped (its streamed consumer failed): the scan ends at its next chunk, failing with the reason
  const scanning = asked.opened
    .then(() => scanWhole(file, (to, soFar) => progress.update(to, soFar)))
    .catch((error: unknown) => {
      throw stop.signal.reason instanceof Error ? stop.signal.reason : error;
    });
  scanning.then(
    (result) => progress.finish(result),
    (error: unknown) => progress.fail(error),
  );
  const typed = await planColumns(file, head, declared, sniff);
  if (typeof typed === 'string') {
    stop.abort();
    await scanning.catch(() => undefined);
    return { parsedBecause: typed };
  }
  return {
    kept: describeKept(file, head, typed, declared !== undefined, progress),
    scanning,
    stop: (reason) => stop.abort(reason),
  };
}

/** How long a scan waits for its starting reader to ask before it runs anyway. */
const SCAN_WAIT_MS = 500;

/**
 * When the scan may start. With a streamed reader on its way (a database writer, still connecting) it
 * waits for that reader's first read or count: beside the scan, which keeps the main thread busy, the
 * writer's connection took 100-130 ms instead of ~50 ms (1M-row CSV into PostgreSQL), and the load
 * cannot start before it. The scan, ~4x faster than a loader, still stays ahead of the rows sent. It
 * runs anyway after SCAN_WAIT_MS, or at once when the run is stopped (to fail with the reason).
 */
function askForScan(signal: AbortSignal, readerStarting: boolean): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  if (!readerStarting || signal.aborted) open();
  else {
    const timer = setTimeout(open, SCAN_WAIT_MS);
    signal.addEventListener('abort', open, { once: true });
    void opened.then(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', open);
    });
  }
  return { opened, open };
}

/** The columns (declared, or sampled by DuckDB), or why the file must be parsed. */
async function planColumns(
  file: CsvFile,
  head: ReaderHints,
  declared: readonly ColumnInfo[] | undefined,
  sniff: CsvSniffer,
): Promise<ColumnInfo[] | string> {
  let columns: ColumnInfo[];
  if (declared) columns = [...declared];
  else {
    const reader = renderReaderOptions(file.options, file.dialect, head);
    const sniffed = await sniff(file, reader, head.names).catch(() => undefined);
    if (!sniffed) return 'the types could not be sampled from the head of the file';
    const foreign = sniffed.formats.filter((f) => !ISO_FORMAT.test(f));
    if (foreign.length > 0) return `dates are written in a non-ISO form (${foreign.join(', ')})`;
    columns = sniffed.columns;
  }
  return columns.length === 1 ? 'the file has one column' : columns;
}

/** The table a kept file stands for (what `describe` answers): its rows once the scan counted them. */
export function describePassThrough(stepId: string, kept: PassThroughCsv, rows?: number): TableInfo {
  return rows === undefined
    ? { name: stepId, columns: kept.columns, rows: 0, streaming: true }
    : { name: stepId, columns: kept.columns, rows };
}

/** How far the extractor's scan got, for readers that may only send what it checked. */
interface ScanProgress {
  update(scannedTo: number, soFar: CsvScanResult): void;
  finish(result: CsvScanResult): void;
  fail(error: unknown): void;
  /** What the scan found once it checked up to `offset` (Infinity: all); throws its failure. */
  until(offset: number): Promise<PassThroughFacts>;
}

function readFacts(scan: CsvScanResult): PassThroughFacts {
  const { records, blankLines, quotedEmpty, nullWord } = scan;
  return { records, blankLines, quotedEmpty, nullWord };
}

/** `ask` is told whenever a reader waits for the scan (it may not have started). */
function createScanProgress(stepId: string, ask: () => void): ScanProgress {
  let scannedTo = 0;
  let found: PassThroughFacts = { records: 0, blankLines: 0, quotedEmpty: false, nullWord: false };
  let done = false;
  let error: unknown;
  let waiting: (() => void)[] = [];
  const wake = (): void => {
    const now = waiting;
    waiting = [];
    for (const resume of now) resume();
  };
  return {
    update(to, soFar) {
      scannedTo = to;
      found = readFacts(soFar);
      wake();
    },
    finish(result) {
      found = readFacts(result);
      done = true;
      wake();
    },
    fail(cause) {
      error = describeInputFailure(stepId, cause);
      done = true;
      wake();
    },
    async until(offset) {
      ask();
      while (!done && scannedTo < offset) await new Promise<void>((resume) => waiting.push(resume));
      if (error !== undefined) throw error;
      return found;
    },
  };
}

function describeKept(
  file: CsvFile,
  head: ReaderHints,
  columns: ColumnInfo[],
  typesDeclared: boolean,
  progress: ScanProgress,
): PassThroughCsv {
  const { dialect, options } = file;
  const start = head.dataStart;
  return {
    shownPath: file.shownPath,
    delimiter: options.delimiter,
    quote: options.quote,
    escape: dialect.escape < 0 ? '' : options.escape,
    nullString: options.nullString,
    encoding: dialect.encoding,
    lineEnd: head.lineEnd,
    columns,
    typesDeclared,
    read: (refuse) => readChecked(file.path, start, progress, refuse),
    scanned: () => progress.until(Number.POSITIVE_INFINITY),
    locate: (unit, index) => locateInFile(file.path, file.shownPath, dialect, start, unit, index),
  };
}

/** The file's records, each chunk once the scan checked it; stops when `refuse` finds a reason. */
async function* readChecked(
  path: string,
  start: number,
  progress: ScanProgress,
  refuse: ((found: PassThroughFacts) => string | undefined) | undefined,
): AsyncGenerator<Buffer> {
  const check = (found: PassThroughFacts): void => {
    const reason = refuse?.(found);
    if (reason !== undefined) throw new PassThroughRefused(reason);
  };
  let end = start;
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 20 })) {
    end += (chunk as Buffer).length;
    check(await progress.until(end));
    yield chunk as Buffer;
  }
  // the last record is counted (and checked) only once the scan finished
  check(await progress.until(Number.POSITIVE_INFINITY));
}

/** `file:line` of the n-th line (physical) or record after the header, which ends at byte `start`. */
async function locateInFile(
  path: string,
  shownPath: string,
  dialect: CsvDialect,
  start: number,
  unit: 'line' | 'record',
  index: number,
): Promise<string> {
  if (unit === 'line') return `${shownPath}:${(await findLineOfOffset(path, start)) - 1 + index}`;
  const offset = await locateReaderLine(path, dialect, index + (dialect.header ? 1 : 0));
  return `${shownPath}:${offset < 0 ? '?' : await findLineOfOffset(path, offset)}`;
}
