import type { CsvReadOptions } from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { describeCsvCharacter, findCsvCharacterClash } from '../../core/describe-csv-character.js';
import { quoteString } from './canonical-text-sql.js';
import type { CsvDialect } from './csv-fault.js';

/** Encodings of the loader: UTF-16 is transcoded to a UTF-8 copy first. */
export type CsvSourceEncoding = 'utf-8' | 'latin-1' | 'utf-16';

/** Read `config.encoding` (spellings as users write them); config_error for anything else. */
export function resolveCsvEncoding(encoding: string, stepId: string): CsvSourceEncoding {
  const name = encoding.toLowerCase().replace(/_/g, '-');
  if (name === 'utf-8' || name === 'utf8') return 'utf-8';
  if (name === 'latin-1' || name === 'latin1' || name === 'iso-8859-1') return 'latin-1';
  if (name.startsWith('utf-16')) return 'utf-16';
  throw new OsirisError(
    'config_error',
    `config.encoding "${encoding}" is not supported (expected utf-8, utf-16 or latin-1)`,
    { where: stepId },
  );
}

function readByte(value: string, key: string, optional: boolean, stepId: string): number {
  const problem = describeCsvCharacter(value, optional);
  if (problem) throw new OsirisError('config_error', `config.${key} ${problem}`, { where: stepId });
  return value === '' ? -1 : value.charCodeAt(0);
}

/**
 * The dialect, decided once from the config: the byte scan and DuckDB read with exactly this. Comment
 * lines do not exist, so a value starting with `#` is a value.
 */
export function resolveCsvDialect(
  options: CsvReadOptions,
  encoding: 'utf-8' | 'latin-1',
  stepId: string,
): CsvDialect {
  const delimiter = readByte(options.delimiter, 'delimiter', false, stepId);
  const quote = readByte(options.quote, 'quote', true, stepId);
  // Without a quote there is nothing to escape.
  const escape = quote < 0 ? -1 : readByte(options.escape, 'escape', true, stepId);
  const clash = findCsvCharacterClash(options);
  if (clash) {
    throw new OsirisError(
      'config_error',
      `config.${clash} and config.delimiter are the same character (${JSON.stringify(options.delimiter)})`,
      { where: stepId },
    );
  }
  return { delimiter, quote, escape, header: options.header, encoding };
}

/** DuckDB's default longest line; a longer record raises the limit instead of failing. */
const DEFAULT_MAX_LINE = 2_000_000;

/**
 * read_csv's options for this dialect: nothing is sniffed (auto_detect=false, skip and comment fixed),
 * strict mode, no padding, no ignored rows. DuckDB 1.5 still guesses the line end from the first
 * lines and can guess wrong (a quoted CR or CRLF there made it load 0 rows of an LF file), so an LF
 * file says `new_line` explicitly. Its `new_line='\r\n'` loads nothing at all, so a CRLF file keeps
 * the guess, and the row count check catches a wrong one.
 */
export function renderReaderOptions(
  options: CsvReadOptions,
  dialect: CsvDialect,
  scanned: { longestRecord: number; lineEnd: 'lf' | 'crlf' | 'none' } | undefined,
): string[] {
  const char = (byte: number): string => quoteString(byte < 0 ? '' : String.fromCharCode(byte));
  return [
    `delim=${char(dialect.delimiter)}`,
    `header=${dialect.header ? 'true' : 'false'}`,
    `quote=${char(dialect.quote)}`,
    `escape=${char(dialect.escape)}`,
    `nullstr=${quoteString(options.nullString)}`,
    // DuckDB's default (allow_quoted_nulls=true) turns "" into NULL; the CSV convention keeps it as ''.
    'allow_quoted_nulls=false',
    `encoding=${quoteString(dialect.encoding)}`,
    'strict_mode=true',
    'null_padding=false',
    'ignore_errors=false',
    'skip=0',
    "comment=''",
    `max_line_size=${Math.max(DEFAULT_MAX_LINE, (scanned?.longestRecord ?? 0) + 1024)}`,
    ...(scanned && scanned.lineEnd !== 'crlf' ? ["new_line='\\n'"] : []),
  ];
}
