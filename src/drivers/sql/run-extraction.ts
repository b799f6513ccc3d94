import type { Writable } from 'node:stream';
import type {
  ColumnInfo,
  CsvProducer,
  DriverResult,
  IncrementalSpec,
  RetryPolicy,
  StepContext,
} from '../../core/index.js';
import { OsirisError, describeRepeatedName, runWithRetry } from '../../core/index.js';
import { handOverCsv } from './csv-handoff.js';
import { isTransientFailure } from './database-failure.js';
import type { ExtractSource } from './database-config.js';
import type { EdgeRows } from './incremental-read.js';
import { readEndBoundary } from './incremental-read.js';
import type { CsvRecordTracker } from './track-csv-records.js';
import { createCsvRecordTracker, tapWritable } from './track-csv-records.js';
import type { SqlDialect } from './sql-dialect.js';
import { quoteTableRef } from './sql-dialect.js';

/** A connected, described extraction ready to stream. */
export interface ExtractionPlan {
  /** Result columns with their data-plane types. */
  columns: ColumnInfo[];
  /** Writes the rows as CSV into the handoff. */
  produce: CsvProducer;
  /** How the rows are fetched, for the log (e.g. `COPY TO STDOUT`). */
  method: string;
  /** The producer writes canonical CSV (every value in its canonical form): adopt it unparsed. */
  canonical?: boolean;
  /** Close the connection. */
  close(): Promise<void>;
  /** Drop the connection at once (abort). */
  destroy(): void;
}

/**
 * The first and last rows a tracker saw, when it saw exactly the rows the data plane holds (anything
 * else, e.g. a stream without a final line end, falls back to reading them back from the data plane).
 */
function readEdges(tracker: CsvRecordTracker | undefined, rows: number): EdgeRows | undefined {
  if (!tracker) return undefined;
  const { records, pending } = tracker.count();
  const first = tracker.first();
  const last = tracker.last();
  if (pending || records !== rows || !first || !last) return undefined;
  return { first, last };
}

/** The SELECT an extractor runs for its source: the query as given, or the table's columns. */
export function renderSourceSelect(dialect: SqlDialect, source: ExtractSource): string {
  // The newline ends a `-- comment` on the query's last line: the query is wrapped (`FROM (…) AS x`).
  if (source.kind === 'query') return `${source.sql}\n`;
  const columns = source.columns ? source.columns.map((c) => dialect.quoteIdentifier(c)).join(', ') : '*';
  return `SELECT ${columns} FROM ${quoteTableRef(dialect, source.ref)}`;
}

function checkColumnNames(columns: readonly ColumnInfo[], where: string): void {
  if (columns.length === 0)
    throw new OsirisError('sql_error', 'the query returns no columns; expected a SELECT', { where });
  const repeated = describeRepeatedName(columns.map((c) => c.name));
  if (repeated !== undefined)
    throw new OsirisError('sql_error', `the query returns ${repeated}; give each column a distinct alias`, {
      where,
    });
}

/**
 * Connect and describe (retried on transient failures: nothing has reached the data plane yet), then
 * stream the rows into the step's table. rowsRead is the data plane's exact count, checked against
 * the rows the source produced. An incremental read also reports the (cursor, key) of its last row.
 */
export async function runExtraction(
  ctx: StepContext,
  where: string,
  retry: RetryPolicy,
  prepare: () => Promise<ExtractionPlan>,
  incremental?: IncrementalSpec,
): Promise<DriverResult> {
  const plan = await runWithRetry(prepare, {
    policy: retry,
    isTransient: isTransientFailure,
    signal: ctx.signal,
    onRetry: (error, attempt, delay) =>
      ctx.log.warn(
        `${where}: attempt ${attempt} failed (${(error as Error).message}); retrying in ${delay} ms`,
      ),
  });
  const abort = watchAbort(ctx.signal, where, plan);
  const started = performance.now();
  try {
    checkColumnNames(plan.columns, where);
    const canonical = plan.canonical === true;
    // a canonical stream is watched for its first and last records: the boundary without a data-plane pass
    const tracker = incremental && canonical ? createCsvRecordTracker() : undefined;
    const produce: CsvProducer = (sink) => {
      abort.sinks.push(sink);
      return plan.produce(tracker ? tapWritable(sink, tracker) : sink);
    };
    const { table, rowsProduced } = await Promise.race([
      handOverCsv(ctx, plan.columns, produce, canonical),
      abort.interrupted,
    ]);
    if (table.rows !== rowsProduced) {
      throw new OsirisError(
        'internal',
        `the source sent ${rowsProduced} rows but the data plane holds ${table.rows}`,
        { where },
      );
    }
    const boundary = incremental
      ? await readEndBoundary(ctx, table, incremental, where, readEdges(tracker, table.rows))
      : undefined;
    const seconds = (performance.now() - started) / 1000;
    ctx.log.info(`${where}: read ${table.rows} rows via ${plan.method} in ${seconds.toFixed(2)} s`);
    await plan.close();
    return { rowsRead: table.rows, rowsProcessed: table.rows, ...(boundary ? { boundary } : {}) };
  } catch (error) {
    // A connection with a half-read result would make a polite close wait for the rest.
    plan.destroy();
    if (ctx.signal.aborted) throw new OsirisError('interrupted', 'extraction interrupted', { where });
    throw error;
  } finally {
    abort.dispose();
  }
}

/**
 * Ctrl-C or the run's timeout during an extraction. Dropping the connection does not end a client's row
 * stream (mysql2 and pg leave it pending), so `interrupted` rejects at once instead of waiting for the
 * rows, and the sink of the hand-over is destroyed so the data plane reading it sees its end.
 */
function watchAbort(
  signal: AbortSignal,
  where: string,
  plan: ExtractionPlan,
): { interrupted: Promise<never>; sinks: Writable[]; dispose(): void } {
  const sinks: Writable[] = [];
  let reject: (error: Error) => void = () => undefined;
  const interrupted = new Promise<never>((_, r) => (reject = r));
  interrupted.catch(() => undefined); // rejected only while someone races it
  const onAbort = (): void => {
    const error = new OsirisError('interrupted', 'extraction interrupted', { where });
    plan.destroy();
    for (const sink of sinks) sink.destroy(error);
    reject(error);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { interrupted, sinks, dispose: () => signal.removeEventListener('abort', onAbort) };
}
