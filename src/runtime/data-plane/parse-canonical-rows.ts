/**
 * Text rows of a canonical CSV byte stream (`,` and `"`, LF, NULL an empty unquoted field, no header):
 * how `readText` serves a streamed hand-over while its producer still writes it (the MySQL writer reads
 * rows as they come). The kept bytes are the canonical forms already, so each field is its text as is
 * (docs/data-plane.md); only quoting is undone. One chunk of rows is held at a time.
 */
import { StringDecoder } from 'node:string_decoder';
import { OsirisError } from '../../core/errors.js';

const COMMA = 44;
const NEWLINE = 10;
const QUOTE = 34;

type Row = (string | null)[];

/**
 * Parse the complete records of `text` from `start` into `out`; returns where the first incomplete one
 * begins (`final`: the text is all there is, a last record may lack its line end).
 */
function parseRecords(text: string, start: number, out: Row[], final: boolean, where: string): number {
  let record = start;
  for (;;) {
    if (record >= text.length) return record;
    const row: Row = [];
    let p = record;
    for (;;) {
      if (text.charCodeAt(p) === QUOTE) {
        let value = '';
        let q = p + 1;
        for (;;) {
          const close = text.indexOf('"', q);
          if (close < 0 || (close + 1 >= text.length && !final)) return record;
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += text.slice(q, close + 1);
            q = close + 2;
            continue;
          }
          value += text.slice(q, close);
          p = close + 1;
          break;
        }
        row.push(value);
      } else {
        let end = p;
        while (end < text.length) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === NEWLINE) break;
          end++;
        }
        if (end >= text.length && !final) return record;
        row.push(end === p ? null : text.slice(p, end));
        p = end;
      }
      if (p >= text.length) {
        out.push(row);
        return p;
      }
      const c = text.charCodeAt(p);
      p++;
      if (c === COMMA) continue;
      if (c === NEWLINE) break;
      throw new OsirisError('internal', `${where}: malformed canonical CSV near offset ${p}`);
    }
    out.push(row);
    record = p;
  }
}

/** The rows of a canonical CSV stream in chunks of `chunkRows`. */
export async function* parseCanonicalRows(
  bytes: AsyncIterable<Buffer>,
  chunkRows: number,
  where: string,
): AsyncGenerator<Row[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let rows: Row[] = [];
  for await (const buffer of bytes) {
    const text = rest + decoder.write(buffer);
    rest = text.slice(parseRecords(text, 0, rows, false, where));
    if (rows.length >= chunkRows) {
      for (let i = 0; i + chunkRows <= rows.length; i += chunkRows) yield rows.slice(i, i + chunkRows);
      rows = rows.slice(rows.length - (rows.length % chunkRows));
    }
  }
  const text = rest + decoder.end();
  parseRecords(text, 0, rows, true, where);
  for (let i = 0; i < rows.length; i += chunkRows) yield rows.slice(i, i + chunkRows);
}
