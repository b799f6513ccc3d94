/**
 * A CSV extractor's output kept as the source file itself, unparsed, for database loaders that read
 * its dialect natively (a pass-through hand-over). The strict reading rules still hold: the byte scan
 * checks every record's structure (file:line on a fault) and counts the records, which the loader's
 * count must match. Values are checked by the target database; DuckDB only samples the file when the
 * types are not declared (to plan a table and to find date forms a loader would read differently).
 */
import { createReadStream } from 'node:fs';
import type {
  ColumnInfo,
  CsvReadOptions,
  PassThroughCsv,
  PassThroughState,
  TableInfo,
} from '../../core/data-plane.js';
import type { CsvDialect } from './csv-fault.js';
import { findLineOfOffset } from './describe-csv-fault.js';
import type { CsvFile } from './load-csv-table.js';
import { checkColumnNames, checkReadable, inspectHead, scanWhole } from './load-csv-table.js';
import type { SniffedColumns } from './load-detected-csv.js';
import { renderReaderOptions, resolveCsvDialect, resolveCsvEncoding } from './resolve-csv-dialect.js';
import { locateReaderLine } from './scan-csv-records.js';
import type { CsvScanResult } from './scan-csv-records.js';

/** A sniffed date or timestamp format that is ISO 8601, which every loader reads as DuckDB does. */
const ISO_FORMAT = /^\w+='%Y-%m-%d([ T]%H:%M:%S(\.%f)?)?'$/;

/** DuckDB's sniffer over a file read with these reader options (header names kept). */
export type CsvSniffer = (
  file: { path: string; shownPath: string; stepId: string },
  readerOptions: readonly string[],
  names: readonly string[] | undefined,
) => Promise<SniffedColumns>;

/**
 * Scan the file and keep it unparsed when no loader could read it differently from the typed path;
 * else say why it must be parsed (the caller loads it typed). Structural faults throw as the typed
 * load's do (io_error with file:line).
 */
export async function keepPassThroughCsv(
  stepId: string,
  options: CsvReadOptions,
  sniff: CsvSniffer,
  signal?: AbortSignal,
): Promise<PassThroughState> {
  if (options.typedOnly) return { parsedBecause: 'the extractor converts values (parse_dates)' };
  if (await checkReadable(options.path, stepId)) return { parsedBecause: 'the source is a pipe' };
  const encoding = resolveCsvEncoding(options.encoding, stepId);
  if (encoding === 'utf-16') return { parsedBecause: 'the file is UTF-16, which loaders do not read' };
  const dialect = resolveCsvDialect(options, encoding, stepId);
  const declared = options.columns && options.columns.length > 0 ? options.columns : undefined;
  checkColumnNames(declared, stepId);
  const file: CsvFile = {
    path: options.path,
    shownPath: options.path,
    dialect,
    options,
    columns: declared,
    stepId,
    signal,
  };
  const head = await inspectHead(file);
  const scan = await scanWhole(file);
  if (scan.blankLines > 0) return { parsedBecause: `the file has ${scan.blankLines} blank line(s)` };
  if (scan.fields === 1) return { parsedBecause: 'the file has one column' };
  let columns: ColumnInfo[];
  if (declared) columns = [...declared];
  else {
    const reader = renderReaderOptions(options, dialect, scan);
    const sniffed = await sniff(file, reader, head.names);
    const foreign = sniffed.formats.filter((f) => !ISO_FORMAT.test(f));
    if (foreign.length > 0)
      return { parsedBecause: `dates are written in a non-ISO form (${foreign.join(', ')})` };
    columns = sniffed.columns;
  }
  return { kept: describeKept(file, scan, columns, declared !== undefined) };
}

/** The table a kept file stands for (what `describe` answers). */
export function describePassThrough(stepId: string, kept: PassThroughCsv): TableInfo {
  return { name: stepId, columns: kept.columns, rows: kept.rows };
}

function describeKept(
  file: CsvFile,
  scan: CsvScanResult,
  columns: ColumnInfo[],
  typesDeclared: boolean,
): PassThroughCsv {
  const { dialect, options } = file;
  const lineEndBytes = scan.lineEnd === 'crlf' ? 2 : scan.lineEnd === 'lf' ? 1 : 0;
  // the records start after the header's line end (a header-only file: after the header)
  const start = scan.header ? scan.header.end + lineEndBytes : scan.bom ? 3 : 0;
  return {
    shownPath: file.shownPath,
    delimiter: options.delimiter,
    quote: options.quote,
    escape: dialect.escape < 0 ? '' : options.escape,
    nullString: options.nullString,
    encoding: dialect.encoding,
    lineEnd: scan.lineEnd,
    columns,
    typesDeclared,
    rows: scan.records,
    quotedEmpty: scan.quotedEmpty,
    nullWord: scan.nullWord,
    read: () => createReadStream(file.path, { start, highWaterMark: 1 << 20 }),
    locate: (unit, index) => locateInFile(file.path, file.shownPath, dialect, start, unit, index),
  };
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

/** What the pass-through outputs need of the DuckDB plane (opened only when called). */
export interface TypedLoader {
  /** The typed path: parse a CSV file into the step's table. */
  createFromCsv(stepId: string, options: CsvReadOptions): Promise<TableInfo>;
  /** DuckDB's sniffer (types of undeclared columns). */
  sniffCsv: CsvSniffer;
}

/** The outputs of a run that may pass through, and what became of each. */
export interface PassThroughOutputs {
  /** Allow a step's CSV output to stay unparsed (every consumer loads it with its own loader). */
  allow(stepId: string): void;
  /** A CSV extractor's ingest: the file kept unparsed when allowed and suitable, else the typed table. */
  ingest(stepId: string, options: CsvReadOptions): Promise<TableInfo>;
  /** What became of a CSV extractor's output (undefined for any other output). */
  outcomeOf(stepId: string): PassThroughState | undefined;
  /** The kept file of a step, if its output is kept unparsed. */
  keptOf(stepId: string): PassThroughCsv | undefined;
  /** Parse a kept output into its typed table, once; a no-op for others. */
  parse(stepId: string): Promise<void>;
}

/** The pass-through outputs of a run on `engine` (the DuckDB plane, opened when first needed). */
export function createPassThroughOutputs(
  engine: () => Promise<TypedLoader>,
  signal: AbortSignal,
): PassThroughOutputs {
  const allowed = new Set<string>();
  const outcomes = new Map<string, PassThroughState>();
  const sources = new Map<string, CsvReadOptions>();
  const parsing = new Map<string, Promise<void>>();
  const sniff: CsvSniffer = async (file, reader, names) => (await engine()).sniffCsv(file, reader, names);
  const keptOf = (stepId: string): PassThroughCsv | undefined => {
    const outcome = outcomes.get(stepId);
    return outcome && 'kept' in outcome ? outcome.kept : undefined;
  };
  return {
    allow: (stepId) => void allowed.add(stepId),
    async ingest(stepId, options) {
      const outcome = allowed.has(stepId)
        ? await keepPassThroughCsv(stepId, options, sniff, signal)
        : { parsedBecause: 'a step other than a database writer reads the rows' };
      outcomes.set(stepId, outcome);
      sources.set(stepId, options);
      if ('kept' in outcome) return describePassThrough(stepId, outcome.kept);
      return (await engine()).createFromCsv(stepId, options);
    },
    outcomeOf: (stepId) => outcomes.get(stepId),
    keptOf,
    parse(stepId) {
      const options = sources.get(stepId);
      if (!keptOf(stepId) || !options) return parsing.get(stepId) ?? Promise.resolve();
      let done = parsing.get(stepId);
      if (!done) {
        // typed from now on: every reader after this one reads the table
        done = engine()
          .then((plane) => plane.createFromCsv(stepId, { ...options, typedOnly: true }))
          .then(() => void outcomes.set(stepId, { parsedBecause: 'a reader needed the rows typed' }));
        parsing.set(stepId, done);
      }
      return done;
    },
  };
}
