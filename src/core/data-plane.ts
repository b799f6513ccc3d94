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
  /** Exact row count. */
  rows: number;
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
}

/** A step's output kept as a canonical CSV file. */
export interface CanonicalCsvFile {
  /** Absolute path (in the run's work directory). */
  path: string;
  /** Length in bytes of its header line, newline included: the rows start there. */
  headerBytes: number;
}

/** How to stream a table out as text cells. */
export interface ReadTextOptions {
  /** Rows per chunk (bounded memory). */
  chunkRows?: number;
}

/**
 * Where step outputs live between steps (docs/data-plane.md): one table per step in a run-local DuckDB.
 * Cells leave it as text in the canonical forms of the CSV convention (NULL as null).
 */
export interface DataPlane {
  /** Create a step's output table from a SELECT; `inputs` maps names usable in the SQL to upstream step ids. */
  createFromQuery(stepId: string, sql: string, inputs: Record<string, string>): Promise<TableInfo>;
  /** Create a step's output table by reading a CSV file. */
  createFromCsv(stepId: string, options: CsvReadOptions): Promise<TableInfo>;
  /** Create a step's output table with these columns and append text rows streamed in (NULL as null). */
  createFromRows(
    stepId: string,
    columns: ColumnInfo[],
    rows: AsyncIterable<(string | null)[][]>,
  ): Promise<TableInfo>;
  /**
   * Adopt a file holding a step's output in the canonical CSV convention (a header line, then the rows
   * in the forms of docs/data-plane.md, as `copyToCsv` writes them), without parsing it: a writer takes the
   * bytes as they are, and the first query parses them once. The data plane owns the file from now on.
   */
  createFromCanonicalCsv(
    stepId: string,
    columns: ColumnInfo[],
    file: CanonicalCsvFile,
    rows: number,
  ): Promise<TableInfo>;
  /** The canonical CSV file a step's output is kept in (see createFromCanonicalCsv), if it is. */
  canonicalCsvFile(stepId: string): CanonicalCsvFile | undefined;
  /** Describe a step's output table. */
  describe(stepId: string): Promise<TableInfo>;
  /** Stream a step's output table in chunks of text rows, in insertion order. */
  readText(stepId: string, options?: ReadTextOptions): AsyncIterable<(string | null)[][]>;
  /** Write a step's output table to a CSV file with the engine's own writer (fast path, UTF-8, LF). */
  copyToCsv(
    stepId: string,
    path: string,
    options: { delimiter: string; header: boolean; quote: string },
  ): Promise<number>;
}
