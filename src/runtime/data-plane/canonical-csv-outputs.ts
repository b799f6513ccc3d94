/**
 * DuckDB's side of the kept canonical CSV files (canonical-file-registry.ts): a view reads a kept file
 * for queries, and the first query step that takes it as an input materializes it into a table once.
 */
import { rm } from 'node:fs/promises';
import { OsirisError } from '../../core/errors.js';
import type { KeptCanonicalFile } from './canonical-file-registry.js';
import { quoteIdent, quoteString } from './canonical-text-sql.js';
import type { SqlSession } from './load-csv-table.js';
import { renderColumnStruct } from './load-csv-table.js';
import { messageOf, wrapPlaneError } from './wrap-plane-error.js';

/** The read_csv call that parses a canonical CSV file with its explicit types. */
function renderSource(output: KeptCanonicalFile): string {
  return `read_csv(${quoteString(output.path)}, header=true, delim=',', quote='"', escape='"', nullstr='', allow_quoted_nulls=false, auto_detect=false, columns=${renderColumnStruct(output.columns)})`;
}

/** Make `main."<step>"` a view of the file. */
export async function createCanonicalCsvView(
  session: SqlSession,
  stepId: string,
  output: KeptCanonicalFile,
): Promise<void> {
  await session
    .run(`CREATE OR REPLACE VIEW main.${quoteIdent(stepId)} AS SELECT * FROM ${renderSource(output)}`)
    .catch((error: unknown) => {
      throw wrapPlaneError(error, 'driver_error', stepId, 'adopting the extracted rows: ');
    });
}

/** Replace the view by a table parsed from the file, then remove the file. */
async function parseKeptFile(session: SqlSession, stepId: string, output: KeptCanonicalFile): Promise<void> {
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
 * Parse a kept file into the step's table once, before a query step (`readerStepId`) reads it; a bad
 * value fails that reader.
 */
export async function materializeCanonicalCsv(
  session: SqlSession,
  stepId: string,
  output: KeptCanonicalFile,
  readerStepId: string,
): Promise<void> {
  await parseKeptFile(session, stepId, output).catch((error: unknown) => {
    // DuckDB's CSV error goes on with reader options that only confuse here: keep what failed.
    const lines = messageOf(error).split('\n');
    const what = [lines[0], ...lines.filter((l) => /^Error when converting/.test(l))].join(': ');
    throw new OsirisError('input_error', `reading the output of step "${stepId}": ${what}`, {
      where: readerStepId,
      cause: error,
    });
  });
}
