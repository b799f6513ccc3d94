import { OsirisError } from '../../core/errors.js';
import { describeRepeatedName } from '../../core/describe-repeated-name.js';

/** DuckDB renames a repeated output name (`a`, `a_1`) silently: a writer would then write a column nobody named. */
export function checkDistinctNames(
  prepared: { columnCount: number; columnName(i: number): string },
  stepId: string,
): void {
  const repeated = describeRepeatedName(
    Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i)),
  );
  if (repeated === undefined) return;
  throw new OsirisError('sql_error', `query returns ${repeated}; give each output column a distinct alias`, {
    where: stepId,
  });
}
