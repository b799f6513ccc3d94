import type { ColumnInfo } from '../../core/data-plane.js';
import { quoteIdent } from './canonical-text-sql.js';
import type { SqlSession } from './load-csv-table.js';

/** Rows buffered in the VARCHAR staging table before one typed INSERT (bounded memory). */
const STAGE_ROWS = 100_000;

/** What the loader needs of DuckDB's appender (kept small so this file needs no client import). */
export interface RowAppender {
  appendNull(): void;
  appendVarchar(text: string): void;
  endRow(): void;
  closeSync(): void;
}

/** A session that can also append rows to a table of `main`. */
export interface AppendingSession extends SqlSession {
  /** An appender on `main.<table>` (the name unquoted). */
  createAppender(table: string): Promise<RowAppender>;
}

/**
 * Create `main."<stepId>"` with these typed columns from text rows (NULL as null). Text in, typed out:
 * rows are appended to a VARCHAR staging table and moved over with one CAST per column every
 * STAGE_ROWS rows, so DuckDB validates JSON, dates and numbers. A failure leaves no table.
 */
export async function loadTextRows(
  session: AppendingSession,
  stepId: string,
  columns: readonly ColumnInfo[],
  rows: AsyncIterable<(string | null)[][]>,
): Promise<void> {
  const table = `main.${quoteIdent(stepId)}`;
  const stageName = `__osiris_stage_${stepId}`;
  const stage = `main.${quoteIdent(stageName)}`;
  const typed = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  await session.run(`CREATE OR REPLACE TABLE ${table} (${typed})`);
  await session.run(
    `CREATE OR REPLACE TABLE ${stage} (${columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')})`,
  );
  const flushSql = `INSERT INTO ${table} SELECT ${columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type})`).join(', ')} FROM ${stage}`;
  try {
    let appender = await session.createAppender(stageName);
    let staged = 0;
    const flush = async (): Promise<void> => {
      appender.closeSync();
      await session.run(flushSql);
      await session.run(`TRUNCATE ${stage}`);
      staged = 0;
      appender = await session.createAppender(stageName);
    };
    for await (const batch of rows) {
      for (const row of batch) {
        if (row.length !== columns.length)
          throw new Error(`a row has ${row.length} cells, expected ${columns.length}`);
        for (const cell of row) {
          if (cell === null) appender.appendNull();
          else appender.appendVarchar(cell);
        }
        appender.endRow();
      }
      staged += batch.length;
      if (staged >= STAGE_ROWS) await flush();
    }
    await flush();
    appender.closeSync();
  } catch (error) {
    await session.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    throw error;
  } finally {
    await session.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
  }
}
