import type { ColumnInfo, ExportTarget } from '../../core/data-plane.js';
import { quoteIdent, quoteString, renderCanonicalSelect } from './canonical-text-sql.js';

/**
 * Beyond this many columns the engine's CSV COPY holds a buffer per column and thread: 10,000 columns x
 * 1 row ran out of a 1GB memory limit (2,000 columns took 1.5 s where the row encoding of `readText`
 * took 0.3 s). Such tables are rendered from readText; a kept canonical file is copied as bytes.
 */
export const COPY_MAX_COLUMNS = 1000;

/**
 * The `COPY … TO` statement that exports a step's table with DuckDB's own writer. CSV carries every
 * value in its canonical text form (docs/data-plane.md); Parquet keeps the data-plane types.
 */
export function renderCopyTo(stepId: string, columns: readonly ColumnInfo[], target: ExportTarget): string {
  if (target.format === 'parquet') {
    return `COPY (SELECT * FROM ${quoteIdent(stepId)}) TO ${quoteString(target.path)} (FORMAT parquet, COMPRESSION ${quoteString(target.compression)})`;
  }
  return `COPY (${renderCanonicalSelect(stepId, columns)}) TO ${quoteString(target.path)} (FORMAT csv, HEADER ${target.header},
        DELIMITER ${quoteString(target.delimiter)}, QUOTE ${quoteString(target.quote)}, ESCAPE ${quoteString(target.quote)}, NULLSTR '')`;
}
