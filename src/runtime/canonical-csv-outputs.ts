/**
 * Step outputs kept as canonical CSV files (DataPlane.createFromCanonicalCsv). An extractor whose server
 * renders the canonical forms itself hands its bytes over untouched: a view reads the file for queries,
 * the first query step that takes it as an input materializes it into a table once, and a writer that
 * wants canonical CSV gets the bytes without any pass through DuckDB.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { CanonicalCsvFile, ColumnInfo } from '../core/data-plane.js';
import { quoteIdent, quoteString } from './canonical-text-sql.js';
import type { SqlSession } from './load-csv-table.js';
import { renderColumnStruct } from './load-csv-table.js';

/** One adopted file. */
export interface CanonicalCsvOutput extends CanonicalCsvFile {
  /** Its columns with their data-plane types. */
  columns: ColumnInfo[];
  /** Its rows, as the producer counted them. */
  rows: number;
}

/** The read_csv call that parses a canonical CSV file with its explicit types. */
function renderSource(output: CanonicalCsvOutput): string {
  return `read_csv(${quoteString(output.path)}, header=true, delim=',', quote='"', escape='"', nullstr='', allow_quoted_nulls=false, auto_detect=false, columns=${renderColumnStruct(output.columns)})`;
}

/** Make `main."<step>"` a view of the file. */
export async function createCanonicalCsvView(
  session: SqlSession,
  stepId: string,
  output: CanonicalCsvOutput,
): Promise<void> {
  await session.run(
    `CREATE OR REPLACE VIEW main.${quoteIdent(stepId)} AS SELECT * FROM ${renderSource(output)}`,
  );
}

/** Replace the view by a table parsed from the file (once, for query steps), then remove the file. */
export async function materializeCanonicalCsv(
  session: SqlSession,
  stepId: string,
  output: CanonicalCsvOutput,
): Promise<void> {
  const staging = quoteIdent(`__osiris_parsed_${stepId}`);
  try {
    await session.run(`CREATE OR REPLACE TABLE main.${staging} AS SELECT * FROM ${renderSource(output)}`);
  } catch (error) {
    await session.run(`DROP TABLE IF EXISTS main.${staging}`).catch(() => undefined);
    throw error;
  }
  await session.run(`DROP VIEW main.${quoteIdent(stepId)}`);
  await session.run(`ALTER TABLE main.${staging} RENAME TO ${quoteIdent(stepId)}`);
  await rm(output.path, { force: true });
}

/**
 * Write the file as CSV with the engine's defaults (`,` and `"`). With a header, the file is the output
 * as it is: hard-linked where the file system allows (no byte is copied), else copied. Without, the
 * rows after its header line are copied.
 */
export async function copyCanonicalCsv(
  output: CanonicalCsvOutput,
  target: string,
  header: boolean,
): Promise<number> {
  if (header) {
    await link(output.path, target).catch(() => copyFile(output.path, target));
    return output.rows;
  }
  await pipeline(
    createReadStream(output.path, { start: output.headerBytes, highWaterMark: 1 << 20 }),
    createWriteStream(target),
  );
  return output.rows;
}
