/**
 * A CSV file's bytes made unambiguous for LOAD DATA (`FIELDS TERMINATED BY <d> OPTIONALLY ENCLOSED BY
 * <q> ESCAPED BY ''`), which reads NULL only as the bare word NULL and cannot tell `""` from an empty
 * field once a value is in a variable. The file's own convention (an unquoted field equal to
 * `null_string` is NULL, quoted text never is) becomes LOAD DATA's: such a field is written `NULL`, a
 * bare `NULL` that is text is quoted, and blank lines of a multi-column file, which the typed path skips,
 * are dropped. Everything else is copied as it is. The input's structure was checked by the extractor's
 * scan, so this only splits fields; it holds at most one unquoted field between chunks.
 */

const LF = 0x0a;
const CR = 0x0d;
const NULL_WORD = Buffer.from('NULL');
// States between bytes.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const CLOSING = 3; // a quote inside a quoted field: its end, or the first of a doubled quote
const AFTER_QUOTED = 4; // a quoted field ended: a delimiter or a line end follows

/** Rewrites chunks of a CSV file in order; `end()` flushes what the last chunk left open. */
export interface LoadDataCsvRewriter {
  /** The rewritten bytes of the next chunk (an open unquoted field waits for the next one). */
  push(chunk: Buffer): Buffer;
  /** The rest, at the end of the file. */
  end(): Buffer;
}

/** Unquoted boolean spellings DuckDB reads (any case), as MySQL's BOOLEAN (TINYINT) takes them. */
const BOOLEAN_TEXT = new Map(
  [
    ['true', '1'],
    ['t', '1'],
    ['yes', '1'],
    ['y', '1'],
    ['false', '0'],
    ['f', '0'],
    ['no', '0'],
    ['n', '0'],
  ].map(([text, digit]) => [text, Buffer.from(digit as string)]),
);

/**
 * A rewriter for a dialect (delimiter and quote as bytes, the file's NULL text) and its columns:
 * `booleans[i]` marks a BOOLEAN column, whose unquoted `true`/`false` (and DuckDB's other spellings)
 * become `1`/`0`.
 */
export function createLoadDataCsvRewriter(
  delimiter: number,
  quote: number,
  nullString: string,
  booleans: readonly boolean[],
): LoadDataCsvRewriter {
  const rewriter = new CsvRewriter(delimiter, quote, Buffer.from(nullString), booleans);
  return {
    push: (chunk) => rewriter.rewrite(chunk, false),
    end: () => rewriter.rewrite(Buffer.alloc(0), true),
  };
}

/** The output of one chunk: pieces of the input and replacements. */
interface ChunkOutput {
  input: Buffer;
  pieces: Buffer[];
  /** input[copied, …) is still to be copied. */
  copied: number;
}

class CsvRewriter {
  private readonly quotedNullWord: Buffer;
  /** First bytes a replaced field can start with (most fields are skipped without a slice). */
  private readonly firsts = new Uint8Array(256);
  private readonly longest: number;
  private state = FIELD_START;
  private carry: Buffer = Buffer.alloc(0);
  private fieldIndex = 0; // of the current field in its record
  private recordEmpty = true; // no field of the current record ended yet (a blank line if it ends so)
  private afterDelimiter = false; // a field begins here (empty if the file ends now)

  constructor(
    private readonly delimiter: number,
    private readonly quote: number,
    private readonly nullText: Buffer,
    private readonly booleans: readonly boolean[],
  ) {
    this.quotedNullWord = Buffer.from([quote, ...NULL_WORD, quote]);
    const spellings = booleans.includes(true) ? [...BOOLEAN_TEXT.keys()] : [];
    for (const text of [NULL_WORD, nullText, ...spellings.map((t) => Buffer.from(String(t)))]) {
      const first = text[0];
      if (first === undefined) continue;
      this.firsts[first] = 1;
      this.firsts[Buffer.from(String.fromCharCode(first).toUpperCase())[0] as number] = 1;
    }
    this.longest = Math.max(5, nullText.length);
  }

  /** The replacement of the unquoted field at `index`, or undefined to copy it. */
  private replace(field: Buffer, index: number): Buffer | undefined {
    if (field.equals(this.nullText)) return NULL_WORD;
    const digit =
      this.booleans[index] === true && field.length <= 5
        ? BOOLEAN_TEXT.get(field.toString('latin1').toLowerCase())
        : undefined;
    return digit ?? (field.equals(NULL_WORD) ? this.quotedNullWord : undefined);
  }

  rewrite(chunk: Buffer, final: boolean): Buffer {
    const input = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const out: ChunkOutput = { input, pieces: [], copied: 0 };
    let fieldStart = 0;
    let i = 0;
    while (i < input.length) {
      if (this.state === QUOTED) {
        const next = input.indexOf(this.quote, i);
        i = next < 0 ? input.length : next + 1;
        if (next >= 0) this.state = CLOSING;
        continue;
      }
      let b = input[i] as number;
      if (this.state === CLOSING) {
        this.state = b === this.quote ? QUOTED : AFTER_QUOTED;
        if (b === this.quote) {
          i++;
          continue;
        }
      } else if (this.state === FIELD_START) {
        this.afterDelimiter = false;
        if (b === this.quote) {
          this.state = QUOTED;
          this.recordEmpty = false;
          i++;
          continue;
        }
        fieldStart = i;
        this.state = UNQUOTED;
      }
      if (this.state === UNQUOTED) {
        while (b !== this.delimiter && b !== LF && b !== CR && ++i < input.length) b = input[i] as number;
        if (i >= input.length) break;
      }
      if (b === CR && i + 1 >= input.length && !final) break; // a CRLF may straddle two chunks
      i = this.endField(out, fieldStart, i);
      fieldStart = i;
    }
    return this.finishChunk(out, fieldStart, i, final);
  }

  /** At a delimiter or line end at `at`: replace the field that ends there; returns where the next starts. */
  private endField(out: ChunkOutput, fieldStart: number, at: number): number {
    const b = out.input[at] as number;
    const width = b === CR ? 2 : 1;
    const lineEnd = b !== this.delimiter;
    const length = at - fieldStart;
    const candidate =
      length === 0 || (length <= this.longest && this.firsts[out.input[fieldStart] as number] === 1);
    if (this.state === UNQUOTED && candidate) {
      const field = out.input.subarray(fieldStart, at);
      const blank = lineEnd && this.recordEmpty && length === 0 && this.booleans.length > 1;
      // a blank line goes (with its line end); a field is replaced or left
      const by = blank ? Buffer.alloc(0) : this.replace(field, this.fieldIndex);
      if (by) {
        out.pieces.push(out.input.subarray(out.copied, blank ? at : fieldStart), by);
        out.copied = blank ? at + width : at;
      }
    }
    this.fieldIndex = lineEnd ? 0 : this.fieldIndex + 1;
    this.recordEmpty = lineEnd;
    this.afterDelimiter = !lineEnd;
    this.state = FIELD_START;
    return at + width;
  }

  /** Copy what is left of a chunk, and keep an open unquoted field (or a trailing CR) for the next. */
  private finishChunk(out: ChunkOutput, fieldStart: number, at: number, final: boolean): Buffer {
    const { input, pieces } = out;
    this.carry = Buffer.alloc(0);
    if (final) {
      const field = input.subarray(fieldStart);
      const open = this.state === UNQUOTED && !(this.recordEmpty && field.length === 0);
      const by = open ? this.replace(field, this.fieldIndex) : undefined;
      pieces.push(by ? input.subarray(out.copied, fieldStart) : input.subarray(out.copied));
      if (by) pieces.push(by);
      // the file ends right after a delimiter: its last field is empty
      const last =
        this.state === FIELD_START && this.afterDelimiter
          ? this.replace(Buffer.alloc(0), this.fieldIndex)
          : undefined;
      if (last) pieces.push(last);
      return Buffer.concat(pieces);
    }
    const keepFrom = Math.max(out.copied, this.state === UNQUOTED ? fieldStart : at);
    pieces.push(input.subarray(out.copied, keepFrom));
    this.carry = Buffer.from(input.subarray(keepFrom));
    if (this.state === UNQUOTED) this.state = FIELD_START;
    return Buffer.concat(pieces);
  }
}
