// Canonical CSV text (docs/data-plane.md) in tests: parse it into cells (NULL vs '') and compare two texts cell by cell.

/** Parse CSV text in the convention: unquoted empty field → null, `""` → ''. Lines end with LF or CRLF. */
export function parseCanonicalCsv(text: string, delimiter = ','): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let cell: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quote in CSV at offset ${i}`);
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cell = value;
    } else {
      let end = i;
      while (end < n && text[end] !== delimiter && text[end] !== '\n' && text[end] !== '\r') end++;
      cell = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(cell);
    if (text[i] === delimiter) {
      i++;
      continue;
    }
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else if (text[i] === '\n') i++;
    else if (i < n) throw new Error(`unexpected character ${JSON.stringify(text[i])} at offset ${i}`);
    rows.push(row);
    row = [];
  }
  return rows;
}

/** One changed value between two canonical CSV texts. */
export interface CellDifference {
  /** 0-based line (0 is the header when there is one). */
  row: number;
  /** Column name from the expected header (or the index). */
  column: string;
  expected: string | null | undefined;
  actual: string | null | undefined;
}

function compareKeys(x: (string | null)[], y: (string | null)[], key: readonly number[]): number {
  for (const k of key) {
    const a = x[k] ?? '';
    const b = y[k] ?? '';
    const byNumber = /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b) ? Number(a) - Number(b) : 0;
    const order = byNumber || (a < b ? -1 : a > b ? 1 : 0);
    if (order !== 0) return order;
  }
  return 0;
}

/** Sort the data rows (not the header) by these column names; numbers compare as numbers. */
export function sortCanonicalRows(
  rows: (string | null)[][],
  keyColumns: readonly string[],
): (string | null)[][] {
  const [header = [], ...data] = rows;
  const key = keyColumns.map((name) => header.indexOf(name)).filter((i) => i >= 0);
  return [header, ...data.sort((x, y) => compareKeys(x, y, key))];
}

/**
 * Every cell that differs (values, NULL vs '', missing or extra rows and columns). With `sortBy`,
 * both sides' data rows are ordered by those columns first (for targets that keep no row order).
 */
export function diffCanonicalCsv(
  expected: string,
  actual: string,
  sortBy?: readonly string[],
): CellDifference[] {
  const a = sortBy ? sortCanonicalRows(parseCanonicalCsv(expected), sortBy) : parseCanonicalCsv(expected);
  const b = sortBy ? sortCanonicalRows(parseCanonicalCsv(actual), sortBy) : parseCanonicalCsv(actual);
  const header = a[0] ?? [];
  const diffs: CellDifference[] = [];
  for (let r = 0; r < Math.max(a.length, b.length); r++) {
    const ra = a[r] ?? [];
    const rb = b[r] ?? [];
    for (let c = 0; c < Math.max(ra.length, rb.length); c++) {
      if (ra[c] !== rb[c] || r >= a.length !== r >= b.length) {
        diffs.push({ row: r, column: header[c] ?? String(c), expected: ra[c], actual: rb[c] });
      }
    }
  }
  return diffs;
}
