import { open } from 'node:fs/promises';
import { OsirisError } from '../../core/errors.js';
import type { CsvDialect, CsvFault } from './csv-fault.js';
import { locateReaderLine } from './scan-csv-records.js';

/** Where a record's expected field count came from (for the message). */
export type FieldCountOrigin = 'header' | 'columns' | 'first_record';

/** What a message needs besides the fault. */
export interface CsvFaultContext {
  /** The file the scan read (a UTF-16 source's UTF-8 copy has the same lines). */
  scannedPath: string;
  /** The path shown to the user. */
  shownPath: string;
  /** The dialect the file was read with. */
  dialect: CsvDialect;
  /** Where the expected field count came from. */
  origin: FieldCountOrigin;
}

/** A byte as the user would type it in the config: `","`, `"\t"`. */
export function showByte(byte: number): string {
  return JSON.stringify(String.fromCharCode(byte));
}

/** Physical line (1-based, LF-separated) of a byte offset: counts line feeds before it. */
export async function findLineOfOffset(path: string, offset: number): Promise<number> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let line = 1;
    let base = 0;
    while (base < offset) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, offset - base), null);
      if (bytesRead === 0) break;
      for (let i = buffer.indexOf(0x0a); i >= 0 && i < bytesRead; i = buffer.indexOf(0x0a, i + 1)) line++;
      base += bytesRead;
    }
    return line;
  } finally {
    await file.close();
  }
}

function describeFieldCount(fault: CsvFault, context: CsvFaultContext, atHeader: boolean): string {
  const { found = 0, expected = 0 } = fault.details;
  const { delimiter, quote } = context.dialect;
  const keys = `check config.delimiter (${showByte(delimiter)})${quote >= 0 ? ` and config.quote (${showByte(quote)}): a value holding the delimiter must be quoted` : ''}`;
  if (atHeader && context.origin === 'columns')
    return `the header has ${found} fields but config.columns lists ${expected} columns; ${keys}`;
  const origin =
    context.origin === 'header'
      ? 'as the header on line 1'
      : context.origin === 'columns'
        ? 'as config.columns lists'
        : 'as the first record';
  return `${found} fields, expected ${expected} ${origin}; ${keys}`;
}

/** The message (without the step) of a structural fault: `file:line: what; which config key changes the reading`. */
export async function describeCsvFault(fault: CsvFault, context: CsvFaultContext): Promise<string> {
  const line = await findLineOfOffset(context.scannedPath, fault.offset);
  const { quote, escape, delimiter } = context.dialect;
  const byte = fault.details.byte ?? 0;
  const field = fault.details.field ?? 0;
  const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  let what: string;
  switch (fault.kind) {
    case 'field_count':
      what = describeFieldCount(fault, context, context.dialect.header && line === 1);
      break;
    case 'stray_quote':
      what = `a quote (${showByte(quote)}) inside unquoted field ${field}: quote the whole value and double its quotes, or set config.quote ("" reads quotes as data)`;
      break;
    case 'after_quote':
      what = `text after the closing quote of field ${field}, where the delimiter (${showByte(delimiter)}) or the end of the line was expected; check config.quote and config.escape`;
      break;
    case 'bad_escape':
      what = `the escape character (${showByte(escape)}) inside quotes must be followed by the quote or itself; check config.escape`;
      break;
    case 'unterminated_quote':
      what = `the quoted field that opens on this line is never closed (the file ends inside it); check config.quote and config.escape`;
      break;
    case 'bare_cr':
      what =
        'a carriage return (CR) outside quotes that does not end the line as CRLF; quote the value or use LF or CRLF line ends';
      break;
    case 'mixed_line_ends':
      what = `this line ends with ${byte === 2 ? 'CRLF' : 'LF'} but the first line ends with ${byte === 2 ? 'LF' : 'CRLF'}; a file must use one kind of line end`;
      break;
    case 'nul_byte':
      what = `a NUL byte at byte offset ${fault.offset}, which CSV text never holds; if the file is UTF-16, set config.encoding: utf-16`;
      break;
    case 'invalid_utf8':
      what = `byte ${hex} at byte offset ${fault.offset} is not valid UTF-8; set config.encoding to the file's encoding (latin-1 or utf-16)`;
      break;
  }
  return `${context.shownPath}:${line}: ${what}`;
}

/**
 * The header's field values as text: unquoted, escapes undone, decoded with the file's encoding. The
 * scan has checked the structure, so this parser only splits.
 */
export async function readHeaderNames(
  path: string,
  range: { start: number; end: number },
  dialect: CsvDialect,
): Promise<string[]> {
  const bytes = Buffer.allocUnsafe(range.end - range.start);
  const file = await open(path, 'r');
  try {
    await file.read(bytes, 0, bytes.length, range.start);
  } finally {
    await file.close();
  }
  const decoder = new TextDecoder(dialect.encoding === 'utf-8' ? 'utf-8' : 'latin1');
  const names: string[] = [];
  let current: number[] = [];
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (quoted) {
      if (b === dialect.quote && dialect.escape === dialect.quote) {
        if (bytes[i + 1] === b) current.push(bytes[++i] as number);
        else quoted = false;
      } else if (b === dialect.escape) current.push(bytes[++i] as number);
      else if (b === dialect.quote) quoted = false;
      else current.push(b);
    } else if (b === dialect.quote) quoted = true;
    else if (b === dialect.delimiter) {
      names.push(decoder.decode(Uint8Array.from(current)));
      current = [];
    } else current.push(b);
  }
  names.push(decoder.decode(Uint8Array.from(current)));
  return names;
}

/**
 * DuckDB's own message speaks of its options (`strict_mode=false`, `sample_size=-1`): keep what
 * failed, put the line in the file's terms, and name the Osiris key that changes the reading.
 */
export async function explainReaderError(
  error: unknown,
  at: { path: string; shownPath: string; dialect: CsvDialect; stepId: string; fifo: boolean },
): Promise<OsirisError> {
  if (error instanceof OsirisError) return error;
  const text = error instanceof Error ? error.message : String(error);
  // DuckDB's own "Did you mean" is left out: it offers JSON for BIGNT.
  const unknownType = /Type with name (.+?) does not exist/.exec(text);
  if (unknownType) {
    const message = `config.columns: unknown type ${unknownType[1]} (expected a DuckDB type such as BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, DATE, TIMESTAMP or BOOLEAN)`;
    return new OsirisError('config_error', message, { where: at.stepId, cause: error });
  }
  const lines = text.split('\n');
  const converting = lines.find((l) => l.startsWith('Error when converting column'));
  const readerLine = Number(/CSV Error on Line: (\d+)/.exec(text)?.[1] ?? 0);
  let where = at.shownPath;
  // A FIFO cannot be read again to find the physical line (opening it would wait for a writer).
  if (readerLine > 0 && at.fifo) where += ` (row ${readerLine - (at.dialect.header ? 1 : 0)})`;
  else if (readerLine > 0) {
    const offset = await locateReaderLine(at.path, at.dialect, readerLine).catch(() => -1);
    if (offset >= 0) where += `:${await findLineOfOffset(at.path, offset)}`;
  }
  const conversion = /^Error when converting column (".*")\. Could not (.*)$/.exec(converting ?? '');
  // A hand-over's types come from the source database; a file's explicit types from config.columns.
  const what = conversion
    ? `column ${conversion[1]}: could not ${conversion[2]}${at.fifo ? '' : ' (the type comes from config.columns)'}`
    : // Never the record itself (DuckDB quotes it whole: data, possibly megabytes).
      (lines.find((l) => l.trim() !== '' && !/^(CSV Error on Line|Original Line)/.test(l)) ?? '');
  return new OsirisError('io_error', `${where}: ${what}`, { where: at.stepId, cause: error });
}
