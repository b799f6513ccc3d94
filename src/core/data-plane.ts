import type { Writable } from 'node:stream';

/** A column of a data-plane table with its DuckDB SQL type (e.g. `DECIMAL(12,2)`). */
export interface ColumnInfo {
  /** Column name. */
  name: string;
  /** DuckDB SQL type text. */
  type: string;
}

/** A table in the data plane. */
export interface TableInfo {
  /** SQL-quoted-safe table name (the step id). */
  name: string;
  /** Columns in order. */
  columns: ColumnInfo[];
  /** Exact row count (with `streaming`: 0, the count is known once the rows were read). */
  rows: number;
  /**
   * Set while the producer of this output still writes it (a streamed hand-over): `rows` is not yet
   * known; the rows stream through `exportCsvStream`, and `describe` after the stream ended gives the count.
   */
  streaming?: true;
}

/** How to read a CSV file into the data plane. */
export interface CsvReadOptions {
  /** Absolute path of the file. */
  path: string;
  /** Field delimiter (one character). */
  delimiter: string;
  /** Whether the first line is a header. */
  header: boolean;
  /** Quote character. */
  quote: string;
  /** Escape character inside quotes. */
  escape: string;
  /** Source encoding: utf-8, utf-16 or latin-1. */
  encoding: string;
  /** Explicit column types; when absent, types are detected. */
  columns?: ColumnInfo[];
  /** Text read as NULL when unquoted (quoted text is never NULL). */
  nullString: string;
  /** The rows must become a typed table (never kept unparsed for a loader): values need DuckDB's parse. */
  typedOnly?: boolean;
}

/** What the extractor's byte scan found in a kept CSV file (so far, or in all of it). */
export interface PassThroughFacts {
  /** Data records. */
  records: number;
  /** Blank lines (the typed path skips them; a loader would not). */
  blankLines: number;
  /** Whether some field is a quoted empty string (`""`). */
  quotedEmpty: boolean;
  /** Whether a field may be the bare word `NULL` (a quoted one may match too). */
  nullWord: boolean;
}

/** A loader stopped reading a kept file: the scan found what the loader cannot read as the typed path would. */
export class PassThroughRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * A CSV file kept unparsed as a step's output, for database loaders that read its dialect themselves
 * (a pass-through hand-over). The extractor's byte scan checks every record's structure and counts them
 * while a loader may already read (each chunk only once the scan passed it); the values are checked by
 * the target database. A reader that needs the rows typed calls `loadTyped`.
 */
export interface PassThroughCsv {
  /** The file as configured (messages). */
  shownPath: string;
  /** Field delimiter (one character). */
  delimiter: string;
  /** Quote character ('' when fields are never quoted). */
  quote: string;
  /** Escape character inside quotes ('' none; equal to `quote`: a doubled quote). */
  escape: string;
  /** Unquoted text read as NULL (quoted text never is). */
  nullString: string;
  /** File encoding. */
  encoding: 'utf-8' | 'latin-1';
  /** Line end of the records. */
  lineEnd: 'lf' | 'crlf' | 'none';
  /** Columns in file order: declared (config.columns) or detected from a sample. */
  columns: ColumnInfo[];
  /** Whether `columns` were declared (else a sample decided their types, which a typed load may refine). */
  typesDeclared: boolean;
  /**
   * The records' bytes from the first data record (header and byte-order mark skipped), each chunk once
   * the scan checked it. Throws the extractor's failure (`input_error`), or PassThroughRefused when
   * `refuse` has a reason against what the scan found so far (then nothing may be committed).
   */
  read(refuse?: (found: PassThroughFacts) => string | undefined): AsyncIterable<Buffer>;
  /** What the whole scan found, once it finished; rejects with the extractor's failure (`input_error`). */
  scanned(): Promise<PassThroughFacts>;
  /** `file:line` of a loader's error: the n-th line or record (1-based) after the header. */
  locate(unit: 'line' | 'record', index: number): Promise<string>;
}

/** What became of an output allowed to pass through: kept unparsed, or parsed into a table and why. */
export type PassThroughState = { kept: PassThroughCsv } | { parsedBecause: string };

/**
 * Writes CSV rows into `sink` (RFC 4180, `,` and `"`, no header; NULL an empty unquoted field, the empty
 * string `""`) and ends it; resolves with the rows written.
 */
export type CsvProducer = (sink: Writable) => Promise<number>;

/** A CSV stream whose values are all in their canonical forms already (docs/data-plane.md). */
export interface CanonicalCsvStream {
  /** The header line a CSV writer writes for these columns (`,`, minimal quoting, LF). */
  header: string;
}

/** What a CSV stream ingest loaded. */
export interface StreamedTable {
  /** The step's table. */
  table: TableInfo;
  /** Rows the producer reported writing. */
  rowsProduced: number;
}

/** Compression codecs of a Parquet export. */
export const PARQUET_COMPRESSION = ['snappy', 'zstd', 'gzip', 'uncompressed'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSION)[number];

/** A file a table is exported to, in a format. */
export type ExportTarget =
  | { format: 'csv'; path: string; delimiter: string; header: boolean; quote: string }
  | { format: 'parquet'; path: string; compression: ParquetCompression };

/** How to stream a table out as text cells. */
export interface ReadTextOptions {
  /** Rows per chunk (bounded memory). */
  chunkRows?: number;
  /** Skip this many rows first (insertion order): `rows - 1` reads the last row. */
  offset?: number;
  /** Only these columns, in this order (default: all); the others are never decoded. */
  columns?: readonly string[];
}

/**
 * Where step outputs live between steps (docs/data-plane.md): one table per step, fed by ingests and
 * read by exports. Cells leave it as text in the canonical forms of the CSV convention (NULL as null).
 */
export interface DataPlane {
  /** Ingest: a step's table from one SELECT; `inputs` maps names usable in the SQL to upstream step ids. */
  createFromQuery(stepId: string, sql: string, inputs: Record<string, string>): Promise<TableInfo>;
  /** Ingest: a step's table read from a CSV file. */
  createFromCsv(stepId: string, options: CsvReadOptions): Promise<TableInfo>;
  /** Ingest: a step's table with these columns from text rows streamed in (NULL as null). */
  createFromRows(
    stepId: string,
    columns: ColumnInfo[],
    rows: AsyncIterable<(string | null)[][]>,
  ): Promise<TableInfo>;
  /**
   * Ingest: a step's table with these columns from the CSV a producer writes. A `canonical` stream is
   * kept unparsed (a writer takes its bytes as they are; the first query parses it once).
   */
  createFromCsvStream(
    stepId: string,
    columns: ColumnInfo[],
    produce: CsvProducer,
    canonical?: CanonicalCsvStream,
  ): Promise<StreamedTable>;
  /** Describe a step's table. */
  describe(stepId: string): Promise<TableInfo>;
  /** Read a step's table in chunks of text rows, in insertion order. */
  readText(stepId: string, options?: ReadTextOptions): AsyncIterable<(string | null)[][]>;
  /** Whether `export` writes this table in this format in bounded memory (else render it from readText). */
  canExport(stepId: string, format: ExportTarget['format']): Promise<boolean>;
  /** Export a step's table to a file with the engine's own writer (UTF-8, LF); resolves with the rows. */
  export(stepId: string, target: ExportTarget): Promise<number>;
  /** Export a step's table as canonical CSV bytes without a header, for database loaders. */
  exportCsvStream(stepId: string): AsyncIterable<Buffer>;
  /** Whether a step's output passed through (kept unparsed) or was parsed and why; undefined: never allowed to. */
  passThroughOf(stepId: string): Promise<PassThroughState | undefined>;
  /** Parse a pass-through output into its typed table (as the typed path reads it); describe any other. */
  loadTyped(stepId: string): Promise<TableInfo>;
}
