// The byte-level state machine of the CSV scan (scan-csv-records.ts reads the file and feeds it): counts
// records, checks every record's field count, quoting, line ends, NUL bytes and the encoding, chunk by chunk.
import { CsvFault } from './csv-fault.js';
import type { CsvDialect } from './csv-fault.js';
import { Utf8StreamChecker } from './utf8-stream-checker.js';

/** What a successful scan found. */
export interface CsvScanResult {
  /** Data records (the header excluded; blank lines of a multi-column file are not records). */
  records: number;
  /** Fields per record. */
  fields: number;
  /** Byte range of the header record (BOM excluded), when the dialect has one. */
  header?: { start: number; end: number };
  /** Length in bytes of the longest record. */
  longestRecord: number;
  /** Whether a UTF-8 byte-order mark opens the file. */
  bom: boolean;
  /** The line end of every record (none: at most one record, without a line end). */
  lineEnd: 'lf' | 'crlf' | 'none';
  /** Blank lines skipped (a multi-column file's lines without a value). */
  blankLines: number;
  /** Whether a field is a quoted empty string (`""`): a loader that cannot tell it from NULL needs to know. */
  quotedEmpty: boolean;
  /** Whether a field may be the bare word `NULL` (LOAD DATA reads it as NULL); a quoted one may match too. */
  nullWord: boolean;
}

/** `NULL` between field boundaries (delimiter, line end, start or end of the file). */
function createNullFieldPatterns(delimiter: number): Buffer[] {
  const word = [0x4e, 0x55, 0x4c, 0x4c];
  const patterns: Buffer[] = [];
  for (const before of [delimiter, 0x0a])
    for (const after of [delimiter, 0x0a, 0x0d]) patterns.push(Buffer.from([before, ...word, after]));
  return patterns;
}
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// Byte classes outside quotes: a lookup per byte keeps the hot loop to one load and one compare.
const PLAIN = 0;
const DELIM = 1;
const QUOTE = 2;
const LF = 3;
const CR = 4;
// States.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const CLOSED = 3; // a quote seen inside a quoted field: closing, or the first of a doubled quote
const ESCAPED = 4; // an escape (other than the quote) seen inside a quoted field
const AFTER_CR = 5;

/** Thrown by a scanner told to stop where a given reader line starts; `offset` is that line's first byte. */
export class LineReached extends Error {
  constructor(readonly offset: number) {
    super('line reached');
  }
}

/** Scans one file's bytes, fed in order; memory is one chunk, nothing is decoded or allocated per field. */
export class CsvScanner {
  private readonly classes = new Uint8Array(256);
  /** The quote doubled stands for itself (escape = quote). */
  private readonly doubling: boolean;
  /** Inside quotes only the quote matters (no distinct escape): jump with memchr. */
  private readonly jumpQuoted: boolean;
  private state = FIELD_START;
  private fields = 0;
  private records = 0;
  private recordStart = 0;
  private quoteOpened = 0;
  private lineEnd = 0; // 0 unknown, 1 LF, 2 CRLF
  private headerPending: boolean;
  private header: { start: number; end: number } | undefined;
  private longest = 0;
  private bom = false;
  private readonly utf8: Utf8StreamChecker | undefined;
  private ended = 0;
  private blankLines = 0;
  private quotedEmpty = false;
  private nullWord = false;
  /** The last bytes of the previous chunk (a newline at the start of the file): a match may straddle two. */
  private tail = Buffer.from([0x0a]);
  private readonly nullPatterns: Buffer[];

  constructor(
    private readonly dialect: CsvDialect,
    private expected: number,
    /** Stop where this reader line starts (see locateReaderLine); 0 scans the whole file. */
    private readonly stopAtLine: number,
  ) {
    this.classes[dialect.delimiter] = DELIM;
    if (dialect.quote >= 0) this.classes[dialect.quote] = QUOTE;
    this.classes[0x0a] = LF;
    this.classes[0x0d] = CR;
    this.doubling = dialect.escape === dialect.quote;
    this.jumpQuoted = this.doubling || dialect.escape < 0;
    this.headerPending = dialect.header;
    this.utf8 = dialect.encoding === 'utf-8' ? new Utf8StreamChecker() : undefined;
    this.nullPatterns = createNullFieldPatterns(dialect.delimiter);
  }

  /** Scan the next chunk, `base` its offset in the file; throws CsvFault at the first fault. */
  feed(chunk: Buffer, base: number): void {
    let from = 0;
    if (base === 0 && this.dialect.encoding === 'utf-8' && chunk.subarray(0, 3).equals(UTF8_BOM)) {
      this.bom = true;
      from = 3;
      this.recordStart = 3;
    }
    if (base === 0 && this.stopAtLine === 1) throw new LineReached(from);
    // The scan stops at the first NUL or invalid byte: everything before it is checked first, so the
    // fault reported is the first in the file.
    let stop = chunk.length;
    const nul = chunk.indexOf(0, from);
    if (nul >= 0) stop = nul;
    const invalid = this.utf8 ? this.utf8.check(chunk, stop) : -1;
    if (invalid >= 0 && invalid < stop) stop = invalid;
    this.scan(chunk, from, stop, base);
    this.findNullWord(chunk);
    if (stop < chunk.length) {
      const byte = chunk[stop] ?? 0;
      throw new CsvFault(byte === 0 ? 'nul_byte' : 'invalid_utf8', base + stop, { byte });
    }
  }

  private findNullWord(chunk: Buffer): void {
    if (this.nullWord) return;
    const seam = Buffer.concat([this.tail, chunk.subarray(0, 5)]);
    this.nullWord = this.nullPatterns.some((p) => seam.includes(p) || chunk.includes(p));
    this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 5)));
  }

  private scan(buf: Buffer, from: number, stop: number, base: number): void {
    const classes = this.classes;
    const quote = this.dialect.quote;
    const escape = this.dialect.escape;
    let state = this.state;
    let i = from;
    while (i < stop) {
      if (state === FIELD_START || state === UNQUOTED) {
        // The hot loop: plain bytes and delimiters stay here, with the field count in a local.
        let fields = this.fields;
        let c = PLAIN;
        while (i < stop) {
          c = classes[buf[i] as number] as number;
          if (c === PLAIN) state = UNQUOTED;
          else if (c === DELIM) {
            fields++;
            state = FIELD_START;
          } else break;
          i++;
        }
        this.fields = fields;
        if (i === stop) break;
        if (c === LF) {
          this.endRecord(base + i, 1);
          state = FIELD_START;
        } else if (c === CR) {
          state = AFTER_CR;
        } else if (state === FIELD_START) {
          state = QUOTED;
          this.quoteOpened = base + i;
        } else {
          throw new CsvFault('stray_quote', base + i, { field: fields + 1 });
        }
        i++;
      } else if (state === QUOTED) {
        if (this.jumpQuoted) {
          // memchr to the next quote: quoted text (newlines included) needs no per-byte work.
          const next = buf.indexOf(quote, i);
          if (next < 0 || next >= stop) {
            i = stop;
            break;
          }
          i = next + 1;
          state = CLOSED;
        } else {
          const b = buf[i++];
          if (b === escape) state = ESCAPED;
          else if (b === quote) state = CLOSED;
        }
      } else if (state === CLOSED) {
        const b = buf[i] as number;
        const c = classes[b] as number;
        // the closing quote right after the opening one: `""`, a quoted empty string
        if (base + i - 2 === this.quoteOpened && !(b === quote && this.doubling)) this.quotedEmpty = true;
        if (b === quote && this.doubling) state = QUOTED;
        else if (c === DELIM) {
          this.fields++;
          state = FIELD_START;
        } else if (c === LF) {
          this.endRecord(base + i, 1);
          state = FIELD_START;
        } else if (c === CR) state = AFTER_CR;
        else throw new CsvFault('after_quote', base + i, { field: this.fields + 1 });
        i++;
      } else if (state === ESCAPED) {
        const b = buf[i];
        if (b !== quote && b !== escape) throw new CsvFault('bad_escape', base + i - 1);
        state = QUOTED;
        i++;
      } else {
        if (buf[i] !== 0x0a) throw new CsvFault('bare_cr', base + i - 1);
        this.endRecord(base + i, 2);
        state = FIELD_START;
        i++;
      }
    }
    this.state = state;
  }

  /** A record ends at the line feed at `lf` (or at end of file: `ending` 0). */
  private endRecord(lf: number, ending: 0 | 1 | 2): void {
    const count = this.fields + 1;
    const length = lf - (ending === 2 ? 1 : 0) - this.recordStart;
    if (ending !== 0) {
      if (this.lineEnd === 0) this.lineEnd = ending;
      else if (this.lineEnd !== ending) throw new CsvFault('mixed_line_ends', lf, { byte: ending });
    }
    this.fields = 0;
    const start = this.recordStart;
    this.recordStart = lf + 1;
    this.countRecord(start, length, count);
    if (++this.ended === this.stopAtLine - 1) throw new LineReached(this.recordStart);
  }

  private countRecord(start: number, length: number, count: number): void {
    // A blank line in a file of several columns holds no value: the reader skips it, so does the count.
    if (length === 0 && this.expected > 1 && !this.headerPending) {
      this.blankLines++;
      return;
    }
    if (this.expected < 0) this.expected = count;
    else if (count !== this.expected)
      throw new CsvFault('field_count', start, { found: count, expected: this.expected });
    if (length > this.longest) this.longest = length;
    if (this.headerPending) {
      this.headerPending = false;
      this.header = { start, end: start + length };
    } else this.records++;
  }

  /** The file ended at `size`: check its last record, and return what the scan found. */
  finish(size: number): CsvScanResult {
    const cut = this.utf8?.pendingBytes() ?? 0;
    if (cut > 0) throw new CsvFault('invalid_utf8', size - cut);
    const state = this.state;
    if (state === QUOTED || state === ESCAPED) throw new CsvFault('unterminated_quote', this.quoteOpened);
    if (state === AFTER_CR) throw new CsvFault('bare_cr', size - 1);
    if (state === CLOSED && size - 2 === this.quoteOpened) this.quotedEmpty = true;
    // a last field `NULL` without a line end
    this.findNullWord(Buffer.from([0x0a]));
    // The last record may end at the end of the file instead of a line end.
    if (this.recordStart < size) this.endRecord(size, 0);
    return this.summarize();
  }

  /** What the scan found so far (all of it, once `finish` returned). */
  summarize(): CsvScanResult {
    return {
      records: this.records,
      fields: Math.max(this.expected, 0),
      header: this.header,
      longestRecord: this.longest,
      bom: this.bom,
      lineEnd: this.lineEnd === 2 ? 'crlf' : this.lineEnd === 1 ? 'lf' : 'none',
      blankLines: this.blankLines,
      quotedEmpty: this.quotedEmpty,
      nullWord: this.nullWord,
    };
  }
}
