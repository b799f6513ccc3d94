// PostgreSQL's COPY OUT sub-protocol (frontend/backend protocol 3.0): every message is a type byte, a
// 4-byte big-endian length that counts itself, and the body. The server sends one CopyData ('d') message
// per row; this gathers their bodies straight into large blocks, with no object per row, rewriting the
// few cells whose PostgreSQL text differs from the canonical form (booleans, some doubles) on the way.
import type { CanonicalCellKind } from './postgres-column-types.js';
import { renderCanonicalDouble } from './postgres-column-types.js';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
const HEADER_BYTES = 5;
const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const LETTER_E = 0x65;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const ZERO = Buffer.from('0');
/** Pieces up to this many bytes are copied by a loop. */
const SHORT_COPY = 8;

/** Where the COPY OUT response ended within a chunk. */
export interface CopyOutEnd {
  /** The server reported an error (`rest` starts with its ErrorResponse) instead of CopyDone. */
  failed: boolean;
  /** The bytes from there on, for the client library (CommandComplete, ReadyForQuery, ...). */
  rest: Buffer;
}

/** What one chunk of the socket's bytes gave. */
export interface CopyDataStep {
  /** Full blocks of row bytes, in order. */
  blocks: Buffer[];
  /** Set when the response ended in this chunk. */
  end?: CopyOutEnd;
}

/** Collects the row bytes of a COPY OUT response into blocks of `blockBytes`. */
export interface CopyDataBlocks {
  /** Read one chunk of the socket's bytes. */
  feed(chunk: Buffer): CopyDataStep;
  /** The last, partly filled block (undefined when empty). */
  flush(): Buffer | undefined;
}

/** The end of the CSV field starting at `at` in a row of COPY's CSV (quoted when it holds `,` `"` or a line end). */
function findFieldEnd(row: Buffer, at: number, end: number): number {
  let p = at;
  if (row[p] === QUOTE) {
    p += 1;
    for (;;) {
      p = row.indexOf(QUOTE, p);
      if (p < 0 || p >= end) return end;
      if (row[p + 1] !== QUOTE) return p + 1;
      p += 2;
    }
  }
  while (p < end && row[p] !== COMMA && row[p] !== NEWLINE) p += 1;
  return p;
}

/** The canonical bytes of a cell `[from, to)` of `row`, or undefined when they are the cell's own. */
function rewriteCell(kind: CanonicalCellKind, row: Buffer, from: number, to: number): Buffer | undefined {
  if (from === to) return undefined; // NULL
  if (kind === 'boolean') return row[from] === 0x74 ? TRUE : FALSE; // 't' / 'f'
  if (row[from] === 0x2d && to - from === 2 && row[from + 1] === 0x30) return ZERO; // -0
  for (let p = from; p < to; p += 1) {
    if (row[p] === LETTER_E)
      return Buffer.from(renderCanonicalDouble(row.toString('latin1', from, to)), 'latin1');
  }
  return undefined;
}

/** Fills blocks of `blockBytes` with copied byte ranges. */
function createBlockWriter(blockBytes: number): {
  append(bytes: Buffer, from: number, to: number, full: Buffer[]): void;
  flush(): Buffer | undefined;
} {
  let block = Buffer.allocUnsafe(blockBytes);
  let filled = 0;
  let viewed: Buffer | undefined;
  let view: Uint8Array = new Uint8Array(0);
  /** A plain Uint8Array over `bytes` (kept while the same chunk is copied from). */
  const viewOf = (bytes: Buffer): Uint8Array => {
    if (bytes !== viewed) {
      viewed = bytes;
      view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    return view;
  };
  return {
    append(bytes, start, end, full) {
      let from = start;
      while (from < end) {
        const n = Math.min(end - from, blockBytes - filled);
        // A row is copied in a few short pieces: a replaced cell by a loop; the rest by TypedArray#set
        // on a subarray of a plain view (half the cost of Buffer#copy's checks and views per call).
        if (n <= SHORT_COPY) for (let k = 0; k < n; k += 1) block[filled + k] = bytes[from + k] as number;
        else block.set(viewOf(bytes).subarray(from, from + n), filled);
        filled += n;
        from += n;
        if (filled === blockBytes) {
          full.push(block);
          block = Buffer.allocUnsafe(blockBytes);
          filled = 0;
        }
      }
    },
    flush() {
      if (filled === 0) return undefined;
      const last = block.subarray(0, filled);
      block = Buffer.allocUnsafe(blockBytes);
      filled = 0;
      return last;
    },
  };
}

/** Appends whole rows with the cells of `kinds` rewritten; undefined when no column needs it. */
function createRowRewriter(
  kinds: readonly (CanonicalCellKind | undefined)[],
  writer: ReturnType<typeof createBlockWriter>,
): ((row: Buffer, start: number, end: number, full: Buffer[]) => void) | undefined {
  const last = kinds.reduce((found, kind, i) => (kind ? i : found), -1);
  if (last < 0) return undefined;
  return (row, start, end, full) => {
    let copied = start;
    let at = start;
    for (let i = 0; i <= last && at < end; i += 1) {
      const to = findFieldEnd(row, at, end);
      const kind = kinds[i];
      const rewritten = kind ? rewriteCell(kind, row, at, to) : undefined;
      if (rewritten) {
        writer.append(row, copied, at, full);
        writer.append(rewritten, 0, rewritten.length, full);
        copied = to;
      }
      at = to + 1;
    }
    writer.append(row, copied, end, full);
  };
}

/**
 * A reader of COPY OUT messages that hands the CopyData bodies (rows of COPY's CSV) on in blocks of
 * `blockBytes`; `kinds[i]` set: column i's cells are rewritten into their canonical form.
 */
export function createCopyDataBlocks(
  kinds: readonly (CanonicalCellKind | undefined)[] = [],
  blockBytes = 1 << 20,
): CopyDataBlocks {
  const writer = createBlockWriter(blockBytes);
  const appendRow = createRowRewriter(kinds, writer);
  let code = 0;
  /** Body bytes of the current message still to come (0: a header is next). */
  let left = 0;
  /** A header split across chunks. */
  let carry: Buffer | undefined;
  /** The start of a row split across chunks (rewriting needs whole rows). */
  let partial: Buffer[] = [];
  /** Take `n` bytes of a CopyData body at `pos`. */
  const take = (chunk: Buffer, pos: number, n: number, blocks: Buffer[]): void => {
    if (!appendRow) writer.append(chunk, pos, pos + n, blocks);
    else if (n === left && partial.length === 0) appendRow(chunk, pos, pos + n, blocks);
    else {
      partial.push(chunk.subarray(pos, pos + n));
      if (n < left) return;
      const row = Buffer.concat(partial);
      partial = [];
      appendRow(row, 0, row.length, blocks);
    }
  };

  return {
    feed(input) {
      const chunk = carry ? Buffer.concat([carry, input]) : input;
      carry = undefined;
      const blocks: Buffer[] = [];
      let pos = 0;
      while (pos < chunk.length) {
        if (left === 0) {
          if (chunk[pos] === ERROR_RESPONSE)
            return { blocks, end: { failed: true, rest: chunk.subarray(pos) } };
          if (chunk.length - pos < HEADER_BYTES) {
            carry = Buffer.from(chunk.subarray(pos));
            break;
          }
          code = chunk[pos] as number;
          left = chunk.readUInt32BE(pos + 1) - 4;
          pos += HEADER_BYTES;
          if (code === COPY_DONE) return { blocks, end: { failed: false, rest: chunk.subarray(pos + left) } };
        }
        const n = Math.min(left, chunk.length - pos);
        // other messages (notices, parameter changes) may come between rows: skipped
        if (code === COPY_DATA) take(chunk, pos, n, blocks);
        pos += n;
        left -= n;
      }
      return { blocks };
    },
    flush: () => writer.flush(),
  };
}

/** The parts of pg-copy-streams' COPY TO stream (7.x) that reading in blocks replaces or calls. */
interface CopyToInternals {
  _parse(chunk: Buffer): boolean | undefined;
  _buffer: { push(chunk: Buffer): void };
  _detach(): void;
  _cleanup(): void;
  push(chunk: Buffer | null): boolean;
}

/**
 * Have a COPY TO stream hand on its rows in 1 MiB blocks read straight from the socket's chunks: the
 * library's own parser makes a buffer per row and concatenates them twice (measured as most of the
 * extractor's CPU, which on a 2-core machine the server's backend needs). The stream still takes the
 * socket over and hands the response's end back to pg as before; only the message parsing is ours.
 */
export function readCopyDataInBlocks<S extends object>(
  stream: S,
  kinds: readonly (CanonicalCellKind | undefined)[] = [],
): S {
  const internals = stream as unknown as CopyToInternals;
  if (typeof internals._parse !== 'function' || typeof internals._detach !== 'function')
    throw new Error('pg-copy-streams changed: its COPY TO stream has no _parse/_detach (pinned at 7.0.0)');
  const blocks = createCopyDataBlocks(kinds);
  internals._parse = (chunk) => {
    const step = blocks.feed(chunk);
    let drained = true;
    for (const block of step.blocks) drained = internals.push(block);
    if (!step.end) return drained;
    // pg reads the rest: CommandComplete (the row count) and ReadyForQuery, or the ErrorResponse
    internals._buffer.push(step.end.rest);
    internals._detach();
    if (step.end.failed) return undefined;
    const last = blocks.flush();
    if (last) internals.push(last);
    internals.push(null);
    internals._cleanup();
    return drained;
  };
  return stream;
}
