/**
 * Renders text rows (canonical cells from the data plane, NULL as null) as CSV lines in Osiris'
 * convention (docs/data-plane.md). Shared by the CSV writer and by tests that read a target back as
 * canonical CSV text.
 */

/** How fields are quoted. */
export const CSV_QUOTING = ['minimal', 'all', 'nonnumeric'] as const;
export type CsvQuoting = (typeof CSV_QUOTING)[number];

/** Options of a renderer. */
export interface CsvRenderOptions {
  /** Field delimiter (one character). */
  delimiter: string;
  /** Quote character; a quote inside a field is doubled. Default `"`. */
  quote?: string;
  /**
   * minimal: quote a field only when it is the empty string (so it differs from NULL) or contains
   * the delimiter, the quote, CR, LF or `#` (like DuckDB's writer: a reader that treats `#` as a
   * comment marker never drops a value). all: quote every non-NULL field and the header.
   * nonnumeric: like all, except fields of numeric columns follow minimal. NULL is always an
   * empty unquoted field.
   */
  quoting: CsvQuoting;
  /** Line terminator written after every line (the header too). */
  newline: '\n' | '\r\n';
  /** Per column: whether its type is numeric (only nonnumeric quoting uses it). */
  numericColumns?: readonly boolean[];
}

/** A renderer bound to one set of options. */
export interface CsvRowRenderer {
  /** The header line for these column names. */
  renderHeader(names: readonly string[]): string;
  /** Lines for a batch of rows, concatenated. */
  renderRows(rows: readonly (readonly (string | null)[])[]): string;
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(.*\))?|BIGNUM|VARINT)$/;

/** Whether a DuckDB type text is numeric (integers, DECIMAL, FLOAT, DOUBLE). */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type);
}

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/** Build a renderer; the quoting decision per cell is one regex test. */
export function createCsvRowRenderer(options: CsvRenderOptions): CsvRowRenderer {
  const quote = options.quote ?? '"';
  const { delimiter, newline } = options;
  const special = new RegExp(`[${escapeForClass(delimiter)}${escapeForClass(quote)}\\r\\n#]`);
  const doubled = quote + quote;
  const wrap = (text: string): string => quote + text.replaceAll(quote, doubled) + quote;
  const minimal = (cell: string | null): string =>
    cell === null ? '' : cell === '' ? doubled : special.test(cell) ? wrap(cell) : cell;
  const always = (cell: string | null): string => (cell === null ? '' : wrap(cell));
  const forced = options.quoting !== 'minimal';
  const numeric = options.numericColumns ?? [];
  const renderCell = (cell: string | null, column: number): string =>
    options.quoting === 'all' || (options.quoting === 'nonnumeric' && numeric[column] !== true)
      ? always(cell)
      : minimal(cell);
  return {
    renderHeader(names) {
      return names.map((name) => (forced ? always(name) : minimal(name))).join(delimiter) + newline;
    },
    renderRows(rows) {
      let out = '';
      for (const row of rows) {
        let line = '';
        for (let c = 0; c < row.length; c++) {
          if (c > 0) line += delimiter;
          line += forced ? renderCell(row[c] ?? null, c) : minimal(row[c] ?? null);
        }
        out += line + newline;
      }
      return out;
    },
  };
}
