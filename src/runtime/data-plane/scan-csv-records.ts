import { open } from 'node:fs/promises';
import { OsirisError } from '../../core/errors.js';
import type { CsvDialect } from './csv-fault.js';
import type { CsvScanResult } from './csv-scanner.js';
import { CsvScanner, LineReached } from './csv-scanner.js';

const CHUNK_BYTES = 1 << 20;

/**
 * A streaming byte-level pass over a CSV file with the reader's dialect: counts records, checks every
 * record's field count, quoting, line ends, NUL bytes and the encoding. Memory is one chunk; nothing is
 * decoded or allocated per field. `expectedFields` (from `config.columns`) applies to the header too.
 */
export async function scanCsvRecords(
  path: string,
  dialect: CsvDialect,
  expectedFields?: number,
  signal?: AbortSignal,
  /** Told after each chunk how far the scan checked the file, and what it found so far. */
  onChunk?: (scannedTo: number, soFar: CsvScanResult) => void,
): Promise<CsvScanResult> {
  return runScanner(path, new CsvScanner(dialect, expectedFields ?? -1, 0), signal, onChunk);
}

/**
 * Byte offset where the reader's `line`-th line starts, counting as DuckDB's error messages do: the
 * header, each record (however many physical lines it spans) and each blank line count one.
 */
export async function locateReaderLine(path: string, dialect: CsvDialect, line: number): Promise<number> {
  try {
    await runScanner(path, new CsvScanner(dialect, -1, line));
  } catch (error) {
    if (error instanceof LineReached) return error.offset;
    throw error;
  }
  return -1;
}

/**
 * The first record only (the header, or the first data record), checked like the full scan: enough to
 * know the header, the line end and whether the file is empty, before the full scan runs alongside the
 * reader. Reads one chunk unless that record is longer.
 */
export async function scanCsvHead(
  path: string,
  dialect: CsvDialect,
  expectedFields?: number,
): Promise<CsvScanResult> {
  const scanner = new CsvScanner(dialect, expectedFields ?? -1, 2);
  try {
    return await runScanner(path, scanner);
  } catch (error) {
    if (error instanceof LineReached) return scanner.summarize();
    throw error;
  }
}

async function runScanner(
  path: string,
  scanner: CsvScanner,
  signal?: AbortSignal,
  onChunk?: (scannedTo: number, soFar: CsvScanResult) => void,
): Promise<CsvScanResult> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let base = 0;
    for (;;) {
      // Ctrl-C or the run timeout: a multi-gigabyte file is not read to its end first
      if (signal?.aborted) throw new OsirisError('interrupted', `reading ${path} was interrupted`);
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      scanner.feed(buffer.subarray(0, bytesRead), base);
      base += bytesRead;
      onChunk?.(base, scanner.summarize());
    }
    return scanner.finish(base);
  } finally {
    await file.close();
  }
}
