/** `readText` of the DuckDB plane without DuckDB: which columns, and the encoded lines in batches of rows. */
import type { ColumnInfo, ReadTextOptions } from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { decodeEncodedRow, renderEncodedRowSelect } from './canonical-text-sql.js';

/** The SELECT of a step's rows as encoded lines: the columns asked for (all by default), from `offset`. */
export function renderReadTextSelect(
  stepId: string,
  all: readonly ColumnInfo[],
  options: ReadTextOptions,
): string {
  const skip = Math.max(0, Math.floor(options.offset ?? 0));
  const columns = options.columns ? pickColumns(all, options.columns, stepId) : all;
  return renderEncodedRowSelect(stepId, columns) + (skip > 0 ? ` OFFSET ${skip}` : '');
}

/** The rows of the encoded lines, in batches of `chunkRows` (at least 1; default 2,048). */
export async function* batchEncodedRows(
  lines: AsyncIterable<readonly string[]>,
  chunkRows = 2048,
): AsyncIterable<(string | null)[][]> {
  const size = Math.max(1, chunkRows);
  let batch: (string | null)[][] = [];
  for await (const chunk of lines) {
    for (const line of chunk) {
      batch.push(decodeEncodedRow(line));
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** The named columns of a table, in the order named (a read of the cursor and key of the last row). */
function pickColumns(all: readonly ColumnInfo[], names: readonly string[], stepId: string): ColumnInfo[] {
  return names.map((name) => {
    const column = all.find((c) => c.name === name);
    if (!column)
      throw new OsirisError('internal', `no column '${name}' in the table of ${stepId}`, { where: stepId });
    return column;
  });
}
