import type { PassThroughCsv, PassThroughState, StepContext, TableInfo } from '../../core/index.js';
import type { PassThroughFacts } from '../../core/index.js';
import { createCsvProgressCounter } from './csv-progress-counter.js';
import { DatabaseFailure, readBareMessage } from './database-failure.js';
import { createProgressReporter } from './write-progress.js';

/** What a load reads: the kept CSV file's bytes as they are (a pass-through), or the typed table. */
export interface LoadPath {
  /** The kept file, when its bytes go to the loader unparsed. */
  csv: PassThroughCsv | undefined;
  /** The input's columns and rows (the typed table's on the typed path). */
  input: TableInfo;
}

/** Why a loader cannot read a kept file exactly as the typed path would (undefined: it can). */
export type RefusePassThrough = (csv: PassThroughCsv) => string | undefined | Promise<string | undefined>;

/**
 * Decide a load's path once the target is known, and record it (`write.load_path`, only for an input
 * that was allowed to pass through): the bytes as they are when the loader reads the file's dialect and
 * values as the typed path would, else the typed table (parsed now, once).
 */
export async function chooseLoadPath(
  ctx: StepContext,
  state: PassThroughState | undefined,
  inputStep: string,
  input: TableInfo,
  request: { target: string; tableExists: boolean; refuse: RefusePassThrough; refused?: string },
): Promise<LoadPath> {
  if (!state) return { csv: undefined, input };
  const { target } = request;
  let reason: string | undefined;
  if ('kept' in state) {
    reason =
      request.refused ??
      (!request.tableExists && !state.kept.typesDeclared
        ? 'the table is created from detected types, which only a typed load settles (declare config.columns on the extractor to pass through)'
        : await request.refuse(state.kept));
    if (reason === undefined) {
      ctx.emit('write.load_path', { target, path: 'pass_through' });
      return { csv: state.kept, input };
    }
  } else reason = state.parsedBecause;
  ctx.emit('write.load_path', { target, path: 'typed', reason });
  return { csv: undefined, input: await ctx.dataPlane.loadTyped(inputStep) };
}

/**
 * A loader's refusal of a record, placed in the source file: `file:line (column c): …`. A typed load's
 * records are the input table's, sent in its order: the message names the column and the row (LOAD
 * DATA) or the line of the data sent (COPY, where a value holding a line break takes two). Other
 * failures pass unchanged.
 */
export async function placeRefusedRecord(error: unknown, csv: PassThroughCsv | undefined): Promise<unknown> {
  if (!(error instanceof DatabaseFailure) || error.record === undefined) return error;
  const { unit, index, column } = error.record;
  const bare = readBareMessage(error);
  if (!csv) {
    const at = unit === 'record' ? `input row ${index}` : `line ${index} of the rows sent`;
    const place = `${column === undefined ? '' : `column ${column}, `}${at}`;
    return new DatabaseFailure(
      error.code,
      `${bare} (${place}); nothing was committed`,
      error.kind,
      error.serverCode,
      error.where,
    );
  }
  const place = `${await csv.locate(unit, index)}${column === undefined ? '' : ` (column ${column})`}`;
  return new DatabaseFailure(
    error.code,
    `${place}: ${bare}; nothing was committed`,
    error.kind,
    error.serverCode,
    error.where,
  );
}

/** Column types whose text every supported loader reads as DuckDB does (numbers, text, ISO dates and times, JSON). */
const PLAIN_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DECIMAL(\(\d+, ?\d+\))?|NUMERIC(\(\d+, ?\d+\))?|DOUBLE|FLOAT|REAL|VARCHAR(\(\d+\))?|TEXT|DATE|TIMESTAMP|TIME|JSON|UUID)$/i;

/** The first column whose type is neither plain nor in `extra`, as a reason for the typed path. */
export function findUnreadableType(csv: PassThroughCsv, loader: string, extra?: RegExp): string | undefined {
  const column = csv.columns.find((c) => !PLAIN_TYPES.test(c.type) && !extra?.test(c.type));
  return (
    column &&
    `column ${column.name} is ${column.type}, whose text ${loader} does not read as the typed path does`
  );
}

/**
 * A kept file's records for a loader, with `write.progress` (its count is known once the extractor's
 * scan finished); `refuse` stops the reading (see PassThroughCsv.read).
 */
export async function* readPassThrough(
  ctx: StepContext,
  csv: PassThroughCsv,
  target: string,
  refuse?: (found: PassThroughFacts) => string | undefined,
): AsyncGenerator<Buffer> {
  const progress = createProgressReporter(ctx, target);
  const counter = createCsvProgressCounter(Number.POSITIVE_INFINITY);
  for await (const chunk of csv.read(refuse)) {
    progress.report(counter.add(chunk));
    yield chunk;
  }
}
