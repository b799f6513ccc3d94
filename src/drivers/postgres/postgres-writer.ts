import type {
  ComponentSpec,
  DriverModule,
  PassThroughCsv,
  PassThroughFacts,
  StepContext,
  TableInfo,
} from '../../core/index.js';
import { findUnreadableType, readPassThrough } from '../sql/choose-load-path.js';
import { OsirisError } from '../../core/index.js';
import { createCsvProgressCounter } from '../sql/csv-progress-counter.js';
import { createCsvRowRenderer } from '../sql/csv-row-renderer.js';
import type { WriterConfig } from '../sql/database-config.js';
import { createWriterSchema } from '../sql/database-config.js';
import type { PostgresSession } from './postgres-client.js';
import type { PostgresFlavour } from './postgres-flavours.js';
import { POSTGRES_FLAVOURS } from './postgres-flavours.js';
import {
  POSTGRES_RUNTIME_DEPENDENCIES,
  postgresDialect,
  refuseTruncatedIdentifiers,
} from './postgres-dialect.js';
import { runDatabaseWrite } from '../sql/run-database-write.js';
import { readWriterConfig } from '../sql/database-config.js';
import { locateStateTable, openSqlStateStore } from '../sql/sql-state-store.js';
import type { WriteAttempt } from '../sql/run-database-write.js';
import { createStagingName, quoteTableRef, renderCreateTable } from '../sql/sql-dialect.js';
import { createProgressReporter } from '../sql/write-progress.js';

/**
 * The input as PostgreSQL CSV. Two or more columns: DuckDB's own CSV writer streams it (no per-row work
 * in JS). One column: text rows rendered here with every value quoted, because a line that is exactly
 * `\.` would end COPY's data early.
 */
async function* renderCopyInput(
  ctx: StepContext,
  input: TableInfo,
  inputStep: string,
  batchSize: number,
  target: string,
): AsyncGenerator<string | Buffer> {
  const progress = createProgressReporter(ctx, target);
  if (input.columns.length > 1) {
    // a streamed input's count is known only at its end
    const counter = createCsvProgressCounter(input.streaming ? Number.POSITIVE_INFINITY : input.rows);
    for await (const chunk of ctx.dataPlane.exportCsvStream(inputStep)) {
      progress.report(counter.add(chunk));
      yield chunk;
    }
    return;
  }
  const renderer = createCsvRowRenderer({ delimiter: ',', quoting: 'all', newline: '\n' });
  let sent = 0;
  for await (const chunk of ctx.dataPlane.readText(inputStep, { chunkRows: batchSize })) {
    sent += chunk.length;
    progress.report(sent);
    yield renderer.renderRows(chunk);
  }
}

/** COPY's options for a kept file's dialect (the header is skipped before the bytes are sent). */
function renderCopyOptions(csv: PassThroughCsv): string {
  const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  return [
    'FORMAT csv',
    `DELIMITER ${literal(csv.delimiter)}`,
    `QUOTE ${literal(csv.quote)}`,
    `ESCAPE ${literal(csv.escape || csv.quote)}`,
    `NULL ${literal(csv.nullString)}`,
    `ENCODING ${csv.encoding === 'utf-8' ? "'UTF8'" : "'LATIN1'"}`,
  ].join(', ');
}

/** Why COPY cannot read a kept file as the typed path would (undefined: it can). */
function refuseForCopy(csv: PassThroughCsv): string | undefined {
  if (csv.quote === '') return 'config.quote is empty (fields never quoted), which COPY cannot read';
  if (
    /[\r\n]/.test(csv.nullString) ||
    csv.nullString.includes(csv.delimiter) ||
    csv.nullString.includes(csv.quote)
  )
    return 'config.null_string holds the delimiter, the quote or a line end, which COPY does not allow';
  // Not TIMESTAMPTZ: into a `timestamp` column COPY drops the offset (10:00+05:30 stays 10:00) where the
  // typed path stores the instant in UTC (04:30), so the two paths would leave different tables.
  return findUnreadableType(csv, 'COPY', /^BOOLEAN$/i);
}

/** COPY cannot skip a blank line the typed path skips: the reading stops, the load goes typed. */
function refuseBlankLines(found: PassThroughFacts): string | undefined {
  return found.blankLines > 0
    ? `the file has ${found.blankLines} blank line(s), which COPY would not skip`
    : undefined;
}

/** Column names of the target in order, or undefined when it does not exist (search_path applies without a schema). */
async function readTargetColumns(session: PostgresSession, cfg: WriterConfig): Promise<string[] | undefined> {
  const oid = (
    await session.query('SELECT to_regclass($1)::oid', [quoteTableRef(postgresDialect, cfg.target)])
  ).rows[0]?.[0];
  if (oid === null || oid === undefined) return undefined;
  const result = await session.query(
    'SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
    [oid],
  );
  return result.rows.map((r) => r[0] as string);
}

/**
 * Serialize this transaction's DDL in a schema with every other writer's (until COMMIT): concurrent
 * `CREATE … IF NOT EXISTS` of one schema or table is not safe in PostgreSQL (the loser fails on a
 * catalog unique index), and concurrent steps (`--concurrency`) do create into one schema.
 */
async function lockSchemaDdl(session: PostgresSession, schema: string | undefined): Promise<void> {
  await session.query(
    "SELECT pg_advisory_xact_lock(hashtext('osiris ddl ' || COALESCE($1, current_schema())))",
    [schema ?? null],
  );
}

/** The state table's DDL and upsert, the DDL under the schema lock when the table is missing. */
async function commitStateRows(session: PostgresSession, a: WriteAttempt): Promise<void> {
  if (!a.state) return;
  const ref = quoteTableRef(postgresDialect, locateStateTable(a.cfg.target));
  const oid = (await session.query('SELECT to_regclass($1)::oid', [ref])).rows[0]?.[0];
  if (oid === null || oid === undefined) {
    await lockSchemaDdl(session, a.cfg.target.schema);
    await session.query(a.state.ddl);
  }
  await session.query(a.state.upsert);
}

/** One attempt: a single transaction (DDL included), so any failure leaves the target exactly as it was. */
async function loadOnce(a: WriteAttempt, described: TableInfo): Promise<number> {
  const { ctx, cfg, where, target } = a;
  refuseTruncatedIdentifiers(
    cfg.target,
    described.columns.map((c) => c.name),
    where,
  );
  const session = await postgresDialect.open(a.endpoint, { connectTimeoutMs: cfg.connectTimeoutMs, where });
  const stopListening = a.destroyOnAbort(() => session.destroy());
  const q = (name: string): string => postgresDialect.quoteIdentifier(name);
  const table = quoteTableRef(postgresDialect, cfg.target);
  const columnList = described.columns.map((c) => q(c.name)).join(', ');
  try {
    await session.query('BEGIN');
    let existing = await readTargetColumns(session, cfg);
    if (existing === undefined && cfg.createIfMissing) {
      await lockSchemaDdl(session, cfg.target.schema);
      existing = await readTargetColumns(session, cfg);
    }
    const { csv, input } = await a.chooseLoadPath(described, existing !== undefined, refuseForCopy);
    if (a.checkTarget(input, existing)) {
      // The schema too, in the same transaction: a failed load leaves neither behind.
      const schema = cfg.target.schema ? `CREATE SCHEMA IF NOT EXISTS ${q(cfg.target.schema)};\n` : '';
      const ddl = `${schema}${renderCreateTable(postgresDialect, cfg.target, input.columns, cfg.primaryKey)}`;
      ctx.emit('table.ddl_planned', { table: target, ddl });
      await session.query(ddl);
      ctx.emit('table.ddl_executed', { table: target });
    }

    // COPY into `into`, refusing (before anything is committed) a count that differs from the input's.
    const copyAll = async (into: string): Promise<number> => {
      const rows = csv
        ? readPassThrough(ctx, csv, target, refuseBlankLines)
        : renderCopyInput(ctx, input, a.inputStep, cfg.batchSize, target);
      const options = csv ? renderCopyOptions(csv) : 'FORMAT csv';
      const copied = await session.copyIn(`COPY ${into} (${columnList}) FROM STDIN (${options})`, rows);
      // a streamed input (read while its extractor wrote it) has its count once the stream ended
      const expected = csv
        ? (await csv.scanned()).records
        : input.streaming
          ? (await ctx.dataPlane.describe(a.inputStep)).rows
          : input.rows;
      if (copied !== expected) {
        throw new OsirisError(
          csv ? 'io_error' : 'internal',
          `COPY took ${copied} rows but the ${csv ? `file ${csv.shownPath} holds ${expected} records` : `input has ${expected}`}; nothing was committed`,
          { where },
        );
      }
      return copied;
    };
    let written: number;
    if (cfg.mode === 'append') written = await copyAll(table);
    else {
      const stage = q(createStagingName(cfg.target.table));
      await session.query(`CREATE TEMP TABLE ${stage} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
      await copyAll(stage);
      if (cfg.mode === 'replace') await session.query(`DELETE FROM ${table}`);
      const nonKey = input.columns.map((c) => c.name).filter((n) => !cfg.primaryKey.includes(n));
      const conflict =
        cfg.mode === 'upsert' ? ` ${postgresDialect.renderUpsertClause(cfg.primaryKey, nonKey)}` : '';
      const moved = await session.query(
        `INSERT INTO ${table} (${columnList}) SELECT ${columnList} FROM ${stage}${conflict}`,
      );
      written = moved.rowCount;
    }
    await commitStateRows(session, a);
    await a.commit(() => session.query('COMMIT'));
    a.reportState();
    await session.close();
    return written;
  } catch (error) {
    // Dropping the connection rolls the transaction back; a polite ROLLBACK could wait behind a COPY.
    session.destroy();
    throw error;
  } finally {
    stopListening();
  }
}

function createSpec(family: PostgresFlavour): ComponentSpec {
  const { label } = POSTGRES_FLAVOURS[family];
  return {
    name: `${family}.writer`,
    version: '1.0.0',
    title: `Write the input into a ${label} table (COPY FROM STDIN; append, replace or upsert in one transaction)`,
    modes: ['write'],
    configSchema: createWriterSchema(family),
    secrets: [],
    connectionFamilies: [family],
    pathKeys: [],
    runtimeDependencies: POSTGRES_RUNTIME_DEPENDENCIES,
    consumesStream: true,
    passThrough: 'loader',
    example: {
      connection: `@${family}.main`,
      table: 'movies',
      schema: 'public',
      write_mode: 'upsert',
      primary_key: ['id'],
      create_if_missing: true,
    },
  };
}

/** A PostgreSQL-protocol writer for a connection family (`postgres`, or `supabase` which is PostgreSQL). */
export function createPostgresWriterModule(family: PostgresFlavour): DriverModule {
  return {
    spec: createSpec(family),
    create: () => ({ run: (request) => runDatabaseWrite(request, postgresDialect, loadOnce) }),
    openStateStore: (config, connection) =>
      openSqlStateStore(postgresDialect, readWriterConfig(config, 'state').target, connection, 'state'),
  };
}

/** `postgres.writer`. */
export const postgresWriterModule: DriverModule = createPostgresWriterModule('postgres');
