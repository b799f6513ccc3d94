import type { ColumnInfo } from '../../core/index.js';

/** Per column: how a canonical data-plane cell becomes the text MySQL stores (BOOLEAN → 1/0, UTC offset dropped). */
export type CellAdapter = (cell: string) => string;

const KEEP: CellAdapter = (cell) => cell;
const BOOLEAN: CellAdapter = (cell) => (cell === 'true' ? '1' : cell === 'false' ? '0' : cell);
// DATETIME has no zone: the session is UTC, so a zero offset goes; any other offset is left for the server to refuse.
const UTC_TIMESTAMP: CellAdapter = (cell) => cell.replace(/(\+00(:?00)?|Z)$/, '');

/** Adapters for the input's columns. */
export function createCellAdapters(columns: readonly ColumnInfo[]): CellAdapter[] {
  return columns.map((c) => {
    const type = c.type.toUpperCase();
    if (type === 'BOOLEAN') return BOOLEAN;
    if (type === 'TIMESTAMP WITH TIME ZONE' || type === 'TIMESTAMPTZ') return UTC_TIMESTAMP;
    return KEEP;
  });
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

function escapeField(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r\0]/g, (ch) => ESCAPES[ch] as string) : text;
}

/**
 * Rows as LOAD DATA text with MariaDB's defaults made explicit (FIELDS TERMINATED BY '\t' ESCAPED BY
 * '\\' LINES TERMINATED BY '\n'): NULL is `\N`, backslash, tab, newline, CR and NUL are escaped.
 */
export function renderLoadDataRows(
  rows: readonly (readonly (string | null)[])[],
  adapters: readonly CellAdapter[],
): string {
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const cell = row[i];
      if (i > 0) line += '\t';
      line += cell === null || cell === undefined ? '\\N' : escapeField((adapters[i] as CellAdapter)(cell));
    }
    out += `${line}\n`;
  }
  return out;
}

/** The clause that matches renderLoadDataRows. */
export const LOAD_DATA_FORMAT =
  "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'";

/** `(v1, v2), (v3, v4)` for a multi-row INSERT, with values escaped by the client. */
export function renderInsertValues(
  rows: readonly (readonly (string | null)[])[],
  adapters: readonly CellAdapter[],
  escape: (text: string) => string,
): string {
  return rows
    .map(
      (row) =>
        `(${row.map((cell, i) => (cell === null ? 'NULL' : escape((adapters[i] as CellAdapter)(cell)))).join(', ')})`,
    )
    .join(', ');
}
