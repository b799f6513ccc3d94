/**
 * The first and last records of a canonical CSV stream (RFC 4180, `,` and `"`, LF, NULL as an empty
 * unquoted field), noted while the bytes go by: an incremental read takes its new boundary from them
 * without a pass over the data plane (which would load and run DuckDB for two rows).
 */
import type { Writable } from 'node:stream';

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** Notes record boundaries of the bytes it is shown; holds at most one partial record. */
export interface CsvRecordTracker {
  /** Show the next bytes of the stream. */
  scan(chunk: Buffer): void;
  /** The first complete record's fields (NULL as null), or undefined before one. */
  first(): (string | null)[] | undefined;
  /** The last complete record's fields, or undefined before one. */
  last(): (string | null)[] | undefined;
  /** Complete records seen, and whether bytes after the last one are still pending (no final LF). */
  count(): { records: number; pending: boolean };
}

/** Fields of one canonical CSV record (without its line end). */
export function parseCsvRecord(text: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) throw new Error('unterminated quoted field');
        value += text.slice(i, close);
        if (text[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const end = text.indexOf(',', i);
      const raw = end < 0 ? text.slice(i) : text.slice(i, end);
      fields.push(raw === '' ? null : raw);
      i = end < 0 ? text.length : end;
    }
    if (i >= text.length) return fields;
    i++; // the comma
    if (i === text.length) {
      fields.push(null);
      return fields;
    }
  }
}

export function createCsvRecordTracker(): CsvRecordTracker {
  let inQuotes = false;
  let carry: Buffer[] = [];
  let firstBytes: Buffer | undefined;
  let lastBytes: Buffer | undefined;
  let records = 0;
  return {
    scan(chunk) {
      let recordStart = 0;
      let lastEnd = -1;
      let lastStart = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === QUOTE) inQuotes = !inQuotes;
        else if (byte === NEWLINE && !inQuotes) {
          if (firstBytes === undefined)
            firstBytes = Buffer.concat([...carry, chunk.subarray(recordStart, i)]);
          lastStart = recordStart;
          lastEnd = i;
          records++;
          recordStart = i + 1;
        }
      }
      if (lastEnd >= 0) {
        // the last record ending here started in this chunk, or in the carried bytes before it
        const head = lastStart === 0 ? carry : [];
        lastBytes = Buffer.concat([...head, chunk.subarray(lastStart, lastEnd)]);
        carry = [chunk.subarray(recordStart)];
      } else carry.push(chunk);
    },
    first: () => (firstBytes === undefined ? undefined : parseCsvRecord(firstBytes.toString('utf8'))),
    last: () => (lastBytes === undefined ? undefined : parseCsvRecord(lastBytes.toString('utf8'))),
    count: () => ({ records, pending: carry.some((part) => part.length > 0) }),
  };
}

/** `sink` with every written chunk shown to `tracker` first (the sink itself is used as it is). */
export function tapWritable(sink: Writable, tracker: CsvRecordTracker): Writable {
  return new Proxy(sink, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) => {
          tracker.scan(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
          return (target.write as (...a: unknown[]) => boolean)(chunk, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
