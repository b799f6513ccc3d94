/**
 * The dialect of a CSV file as bytes. Every character is one byte (the loader refuses others), so
 * the scan never decodes text: structure is found byte by byte, exactly as the reader must split it.
 */
export interface CsvDialect {
  /** Field delimiter byte. */
  delimiter: number;
  /** Quote byte, or -1 when fields are never quoted. */
  quote: number;
  /** Escape byte inside quotes, or -1 for none; equal to `quote` means a doubled quote. */
  escape: number;
  /** The first record holds the column names. */
  header: boolean;
  /** `utf-8` bytes are validated; `latin-1` accepts every byte but NUL. */
  encoding: 'utf-8' | 'latin-1';
}

/** What breaks a file, found at a byte offset (the caller turns it into a message with the line). */
export const CSV_FAULTS = [
  'field_count',
  'stray_quote',
  'after_quote',
  'bad_escape',
  'unterminated_quote',
  'bare_cr',
  'mixed_line_ends',
  'nul_byte',
  'invalid_utf8',
] as const;
export type CsvFaultKind = (typeof CSV_FAULTS)[number];

/** A structural fault of the file: where, and what was found. */
export class CsvFault extends Error {
  constructor(
    readonly kind: CsvFaultKind,
    /** Byte offset the message's line is computed from. */
    readonly offset: number,
    readonly details: { found?: number; expected?: number; field?: number; byte?: number } = {},
  ) {
    super(kind);
  }
}
