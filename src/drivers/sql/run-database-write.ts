import type {
  DriverRequest,
  DriverResult,
  PassThroughCsv,
  PassThroughState,
  StepContext,
  TableInfo,
} from '../../core/index.js';
import { OsirisError, PassThroughRefused, encodeBoundary, runWithRetry } from '../../core/index.js';
import type { WriterConfig } from './database-config.js';
import { readSingleInput, readWriterConfig } from './database-config.js';
import type { DatabaseEndpoint } from './database-endpoint.js';
import { readDatabaseEndpoint } from './database-endpoint.js';
import { DatabaseFailure, addFailureContext, isTransientFailure } from './database-failure.js';
import type { LoadPath, RefusePassThrough } from './choose-load-path.js';
import { chooseLoadPath, placeRefusedRecord } from './choose-load-path.js';
import type { SqlDialect } from './sql-dialect.js';
import {
  locateStateTable,
  nameStateTable,
  renderStateTableDdl,
  renderStateUpsert,
} from './sql-state-store.js';

/** What one load attempt of a database writer works with. */
export interface WriteAttempt {
  /** The step context. */
  ctx: StepContext;
  /** The writer's config. */
  cfg: WriterConfig;
  /** Where to connect. */
  endpoint: DatabaseEndpoint;
  /** Step reference for messages. */
  where: string;
  /** Target table as shown in messages and events. */
  target: string;
  /** Upstream step whose table is written. */
  inputStep: string;
  /**
   * Incremental state to commit with the rows: the state table's DDL (run before the transaction where
   * DDL commits) and its upsert (run inside it, before COMMIT). Undefined without incremental upstream.
   */
  state: { ddl: string; upsert: string } | undefined;
  /** After COMMIT: record the committed state (`state_committed` events). */
  reportState(): void;
  /**
   * Record the target check (`table.exists_check`) and refuse a missing table without
   * create_if_missing, or input columns the existing table lacks. True when the table must be created.
   */
  checkTarget(input: TableInfo, existingColumns: readonly string[] | undefined): boolean;
  /** COMMIT the attempt; a connection lost during the COMMIT of an append is not retried. */
  commit(commit: () => Promise<unknown>): Promise<void>;
  /** Destroy the session when the step is aborted; returns the function that stops listening. */
  destroyOnAbort(destroy: () => void): () => void;
  /**
   * What to load, once the target's existence is known: a CSV extractor's file unparsed when `refuse`
   * has no reason against it (docs/data-plane.md, pass-through), else the typed input.
   */
  chooseLoadPath(input: TableInfo, tableExists: boolean, refuse: RefusePassThrough): Promise<LoadPath>;
}

/** The facts of an attempt, before its checks are bound. */
type AttemptFacts = Omit<
  WriteAttempt,
  'checkTarget' | 'commit' | 'destroyOnAbort' | 'reportState' | 'chooseLoadPath'
> & {
  request: DriverRequest;
  /** Whether the input was allowed to pass through, and what became of it. */
  passThrough: PassThroughState | undefined;
  /**
   * The file the latest attempt loaded unparsed (a refused record is placed in it), and why the kept
   * file's reading stopped (the next attempt takes the typed path).
   */
  loaded: { csv?: PassThroughCsv; refused?: string };
};

/** Record the target table check; a missing table without create_if_missing is a config error. */
function checkTableExists(a: AttemptFacts, exists: boolean): void {
  a.ctx.emit('table.exists_check', { table: a.target, exists });
  if (!exists && !a.cfg.createIfMissing) {
    throw new OsirisError(
      'config_error',
      `table ${a.target} does not exist; create it or set create_if_missing: true`,
      {
        where: a.where,
      },
    );
  }
}

/**
 * COMMIT an attempt. A connection lost during COMMIT leaves the outcome unknown (the server may have
 * committed before the reply was lost): replace and upsert may run again and end with the same rows,
 * but an append must not be retried, or its rows could be written twice.
 */
async function commitAttempt(a: AttemptFacts, commit: () => Promise<unknown>): Promise<void> {
  try {
    await commit();
  } catch (error) {
    if (a.cfg.mode !== 'append' || !(error instanceof DatabaseFailure) || error.kind !== 'transient')
      throw error;
    const prefix = error.where === undefined ? '' : `${error.where}: `;
    const cause = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new DatabaseFailure(
      error.code,
      `the connection was lost during COMMIT, so whether the rows were appended is unknown; not retried, ` +
        `so that no row is written twice (check ${a.target} before running again): ${cause}`,
      'deterministic',
      error.serverCode,
      a.where,
    );
  }
}

/** One load attempt of a database's writer: returns the rows the database confirmed. */
export type LoadAttempt = (a: WriteAttempt, input: TableInfo) => Promise<number>;

/** Check that the key columns exist in the input before anything touches the database. */
function checkKeyColumns(cfg: WriterConfig, input: TableInfo, where: string): void {
  const names = new Set(input.columns.map((c) => c.name));
  const missing = cfg.primaryKey.filter((k) => !names.has(k));
  if (missing.length > 0) {
    throw new OsirisError(
      'config_error',
      `primary_key column(s) ${missing.join(', ')} are not in the input (columns: ${[...names].join(', ')})`,
      { where },
    );
  }
}

/**
 * A BLOB column's canonical text is DuckDB's (`\x00` escapes, other bytes as characters), which a
 * PostgreSQL bytea reads as hex and MySQL stores as characters: the bytes would change while the load
 * succeeds. Refused until the loaders get the bytes; database bytes extracted by Osiris are text already.
 */
function checkLoadableTypes(input: TableInfo, where: string): void {
  const blob = input.columns.find((c) => c.type === 'BLOB');
  if (!blob) return;
  const c = JSON.stringify(blob.name);
  throw new OsirisError(
    'input_error',
    `input column ${c} is BLOB, which a database writer cannot load byte for byte yet; convert it upstream in a duckdb.processor: '\\x' || hex(${c}) AS ${c} for a PostgreSQL bytea (as text), hex(${c}) for MySQL`,
    { where },
  );
}

/** Input names that the target lacks, as a config error (a typo must not become a silent NULL column). */
function checkTargetColumns(
  input: TableInfo,
  targetColumns: readonly string[],
  target: string,
  where: string,
): void {
  const have = new Set(targetColumns);
  const missing = input.columns.map((c) => c.name).filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new OsirisError(
      'config_error',
      `input column(s) ${missing.join(', ')} do not exist in table ${target} (it has: ${targetColumns.join(', ')})`,
      { where },
    );
  }
}

function bindChecks(facts: AttemptFacts): WriteAttempt {
  return {
    ...facts,
    checkTarget(input, existingColumns) {
      checkTableExists(facts, existingColumns !== undefined);
      if (existingColumns === undefined) return true;
      checkTargetColumns(input, existingColumns, facts.target, facts.where);
      return false;
    },
    commit: (commit) => commitAttempt(facts, commit),
    reportState: () => {
      for (const s of facts.request.pendingStates ?? []) {
        facts.ctx.emit('state_committed', {
          extractor: s.extractorStep,
          boundary: encodeBoundary(s.boundary),
          rows: s.rows,
          store: nameStateTable(facts.cfg.target),
        });
      }
    },
    destroyOnAbort: (destroy) => destroyOnAbort(facts.ctx, destroy),
    async chooseLoadPath(input, tableExists, refuse) {
      const { ctx, passThrough, inputStep, target } = facts;
      const { refused } = facts.loaded;
      const path = await chooseLoadPath(ctx, passThrough, inputStep, input, {
        target,
        tableExists,
        refuse,
        refused,
      });
      facts.loaded.csv = path.csv;
      return path;
    },
  };
}

/**
 * The writer flow shared by the databases: read the config and the connection, describe the input, run
 * the load with retries on transient failures (each attempt a fresh transaction, so no row is ever
 * written twice), then emit `write.complete`.
 */
export async function runDatabaseWrite(
  request: DriverRequest,
  dialect: SqlDialect,
  load: LoadAttempt,
): Promise<DriverResult> {
  const { ctx } = request;
  const where = `step ${ctx.stepId}`;
  const cfg = readWriterConfig(request.config, where);
  const inputStep = readSingleInput(request.inputs, where);
  const input = await ctx.dataPlane.describe(inputStep);
  checkKeyColumns(cfg, input, where);
  checkLoadableTypes(input, where);
  const endpoint = readDatabaseEndpoint(request.connection, where);
  const target = cfg.target.schema ? `${cfg.target.schema}.${cfg.target.table}` : cfg.target.table;
  const loaded: AttemptFacts['loaded'] = {};
  const attempt = bindChecks({
    ctx,
    cfg,
    endpoint,
    where,
    target,
    inputStep,
    request,
    state: renderStateStatements(request, dialect, cfg),
    passThrough: await ctx.dataPlane.passThroughOf(inputStep),
    loaded,
  });
  const started = performance.now();
  // a kept file whose scan found what the loader cannot read stops that attempt: the load starts again
  // on the typed path (nothing was committed)
  const loadOnce = (): Promise<number> =>
    load(attempt, input).catch((error: unknown) => {
      if (!(error instanceof PassThroughRefused) || loaded.refused !== undefined) throw error;
      loaded.refused = error.reason;
      return load(attempt, input);
    });
  const rowsWritten = await runWithRetry(loadOnce, {
    policy: cfg.retry,
    isTransient: isTransientFailure,
    signal: ctx.signal,
    onRetry: (error, n, delay) =>
      ctx.log.warn(
        `${where}: attempt ${n} failed (${(error as Error).message}); retrying the whole load in ${delay} ms`,
      ),
  }).catch(async (error: unknown) => {
    if (ctx.signal.aborted) throw new OsirisError('interrupted', `write to ${target} interrupted`, { where });
    throw addFailureContext(await placeRefusedRecord(error, loaded.csv), `${cfg.mode} into ${target}`);
  });
  ctx.emit('write.complete', { rows_written: rowsWritten, target });
  const seconds = (performance.now() - started) / 1000;
  ctx.log.info(`${where}: ${cfg.mode} of ${rowsWritten} rows into ${target} in ${seconds.toFixed(2)} s`);
  return { rowsWritten, rowsProcessed: rowsWritten };
}

/** The state DDL and upsert of a writer with incremental extractors upstream (read once per load). */
function renderStateStatements(
  request: DriverRequest,
  dialect: SqlDialect,
  cfg: WriterConfig,
): WriteAttempt['state'] {
  const states = request.pendingStates ?? [];
  if (states.length === 0 || request.pipelineId === undefined) return undefined;
  const ref = locateStateTable(cfg.target);
  const key = { pipelineId: request.pipelineId, writerStep: request.ctx.stepId };
  return {
    ddl: renderStateTableDdl(dialect, ref),
    upsert: renderStateUpsert(dialect, ref, key, states, new Date().toISOString()),
  };
}

/** Destroy a session when the step is aborted; returns the function that stops listening. */
function destroyOnAbort(ctx: StepContext, destroy: () => void): () => void {
  const onAbort = (): void => destroy();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return () => ctx.signal.removeEventListener('abort', onAbort);
}
