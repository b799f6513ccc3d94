import type { Writable } from 'node:stream';
import type { ComponentSpec, DriverModule } from '../../core/index.js';
import { OsirisError } from '../../core/index.js';
import { writeChunk } from '../sql/csv-handoff.js';
import { createCsvRowRenderer } from '../sql/csv-row-renderer.js';
import type { ExtractSource } from '../sql/database-config.js';
import { createExtractorSchema, readExtractorConfig } from '../sql/database-config.js';
import { readDatabaseEndpoint } from '../sql/database-endpoint.js';
import { quoteTableRef } from '../sql/sql-dialect.js';
import type { MysqlSession } from './mysql-client.js';
import type { LineFieldKind, MysqlColumn } from './mysql-protocol.js';
import { MYSQL_RUNTIME_DEPENDENCIES } from './mysql-protocol.js';
import { mysqlDialect } from './mysql-dialect.js';
import type { MappedMysqlColumn } from './mysql-column-types.js';
import { NOT_BOOLEAN_MARK, mapMysqlColumn, renderLineCell } from './mysql-column-types.js';
import { INCREMENTAL_ALIAS, findFullScans, planIncrementalRead } from '../sql/incremental-read.js';
import type { ExtractionPlan } from '../sql/run-extraction.js';
import { renderSourceSelect, runExtraction } from '../sql/run-extraction.js';

const CHUNK_ROWS = 5000;
/** Bytes per chunk of CSV lines: one write each (about 4,000 rows of the `events` table). */
const CHUNK_BYTES = 1 << 20;

/** What the fetch of one MySQL extraction is chosen from. */
interface FetchInput {
  source: ExtractSource;
  sql: string;
  described: readonly MysqlColumn[];
  mapped: readonly MappedMysqlColumn[];
  /** The incremental read's tail ('' for a plain read). */
  tail: string;
  /** The whole SELECT (with the tail). */
  select: string;
}

/** The query whose rows the client packs into CSV lines, and how each column becomes a field. */
export interface LineQuery {
  /** The SELECT to run. */
  sql: string;
  /** Per result column: copied as it is, or text quoted where CSV needs it. */
  kinds: LineFieldKind[];
  /** Whether it selects the source itself (no expression: nothing to wrap). */
  bare: boolean;
  /** Whether every field is in the canonical form of its type (the lines can be handed over unparsed). */
  canonical: boolean;
}

/**
 * The query whose rows become CSV lines in the canonical form of their types (renderLineCell): the
 * source itself when no column needs the server to render it, else a SELECT of expressions over it.
 * Undefined when it would have to wrap a query with ORDER BY: MariaDB may drop it in a derived table.
 */
export function buildLineQuery(f: Omit<FetchInput, 'described'>): LineQuery | undefined {
  const { source, sql, tail } = f;
  const cells = f.mapped.map((c) => {
    const ref = mysqlDialect.quoteIdentifier(c.name);
    return { ref, ...renderLineCell(ref, c) };
  });
  const kinds = cells.map((c) => c.kind);
  const canonical = cells.every((c) => c.canonical);
  if (cells.every((c) => c.sql === c.ref)) return { sql: f.select, kinds, bare: true, canonical };
  // an incremental read (a `tail`) orders outside the derived table, so an inner ORDER BY is moot
  if (!tail && source.kind === 'query' && /\border\s+by\b/i.test(sql)) return undefined;
  const from =
    !tail && source.kind === 'table'
      ? quoteTableRef(mysqlDialect, source.ref)
      : `(${sql}) AS ${INCREMENTAL_ALIAS}`;
  const select = `SELECT ${cells.map((c) => c.sql).join(',')} FROM ${from}${tail}`;
  return { sql: select, kinds, bare: false, canonical };
}

/**
 * Stream the query's rows as CSV lines into the sink; `check` sees every chunk first and may refuse it.
 */
async function produceLines(
  session: MysqlSession,
  query: LineQuery,
  sink: Writable,
  check: (bytes: Buffer) => void,
): Promise<number> {
  let rows = 0;
  for await (const chunk of session.streamLines(query.sql, query.kinds, CHUNK_BYTES)) {
    check(chunk.bytes);
    rows += chunk.lines;
    await writeChunk(sink, chunk.bytes);
  }
  sink.end();
  return rows;
}

/** Refuses canonical lines where a TINYINT(1) read as BOOLEAN is neither 0 nor 1 (NOT_BOOLEAN_MARK). */
function createBooleanCheck(booleans: readonly string[]): (bytes: Buffer) => void {
  const mark = Buffer.from(NOT_BOOLEAN_MARK);
  return (bytes) => {
    const at = booleans.length > 0 ? bytes.indexOf(mark) : -1;
    if (at < 0) return;
    const rest = bytes.subarray(at + mark.length, at + mark.length + 40).toString();
    const value = /^-?\d+/.exec(rest)?.[0] ?? rest;
    throw new OsirisError(
      'driver_error',
      `a TINYINT(1) column read as BOOLEAN (${booleans.join(', ')}) holds ${value}, which is not 0 or 1; ` +
        'set tinyint1_as_boolean: false to read such columns as numbers',
    );
  };
}

async function produceClientLines(
  session: MysqlSession,
  sql: string,
  columns: readonly MysqlColumn[],
  sink: Writable,
): Promise<number> {
  const renderer = createCsvRowRenderer({ delimiter: ',', quoting: 'all', newline: '\n' });
  let rows = 0;
  for await (const chunk of session.streamRows(sql, columns, CHUNK_ROWS)) {
    rows += chunk.length;
    await writeChunk(sink, renderer.renderRows(chunk));
  }
  sink.end();
  return rows;
}

/** The whole-table scans MySQL/MariaDB plans for `sql` (none when EXPLAIN fails: it only feeds a warning). */
async function explainScans(session: MysqlSession, sql: string) {
  try {
    const result = await session.query(`EXPLAIN FORMAT=JSON ${sql}`);
    return findFullScans(JSON.parse(result.rows[0]?.[0] ?? 'null'));
  } catch {
    return [];
  }
}

/** Set the per-statement time limit: MariaDB's max_statement_time (s), else MySQL's max_execution_time (ms). */
async function setStatementTimeout(session: MysqlSession, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await session.query('SET SESSION max_statement_time = ?', [ms / 1000]);
  } catch {
    await session.query('SET SESSION max_execution_time = ?', [ms]);
  }
}

/**
 * The fastest fetch the source allows: CSV lines packed from the protocol's bytes, handed over unparsed
 * when every value is in its canonical form (no FLOAT), else parsed by the data plane; a row stream when
 * the source cannot be wrapped (an ORDER BY, duplicate names, SHOW…).
 */
async function planFetch(session: MysqlSession, f: FetchInput): Promise<ExtractionPlan> {
  const columns = f.mapped.map(({ name, type }) => ({ name, type }));
  const common = { columns, close: () => session.close(), destroy: () => session.destroy() };
  const lines = buildLineQuery(f);
  const usable =
    lines !== undefined &&
    (lines.bare ||
      (await session.describe(lines.sql).then(
        () => true,
        () => false,
      )));
  if (!usable) {
    return {
      ...common,
      method: 'row stream',
      produce: (sink) => produceClientLines(session, f.select, f.described, sink),
    };
  }
  const { canonical } = lines;
  const booleans = f.mapped.filter((c) => c.type === 'BOOLEAN').map((c) => c.name);
  return {
    ...common,
    method: canonical
      ? 'CSV lines from the protocol, canonical, handed over unparsed'
      : 'CSV lines from the protocol, parsed by the data plane',
    canonical,
    produce: (sink) => produceLines(session, lines, sink, createBooleanCheck(booleans)),
  };
}

const SPEC: ComponentSpec = {
  name: 'mysql.extractor',
  version: '1.0.0',
  title: 'Read a MySQL/MariaDB query or table into the data plane (CSV lines from the protocol, exact types)',
  modes: ['read'],
  configSchema: createExtractorSchema('mysql', {
    tinyint1_as_boolean: {
      type: 'boolean',
      default: true,
      description: 'Read TINYINT(1) columns as BOOLEAN.',
    },
  }),
  secrets: [],
  connectionFamilies: ['mysql'],
  handover: { streams: true },
  pathKeys: [],
  runtimeDependencies: MYSQL_RUNTIME_DEPENDENCIES,
  example: { connection: '@mysql.movies', table: 'movies', columns: ['id', 'title', 'budget_usd'] },
};

/** `mysql.extractor`. */
export const mysqlExtractorModule: DriverModule = {
  spec: SPEC,
  create: () => ({
    async run({ config, connection, ctx, incremental }) {
      const where = `step ${ctx.stepId}`;
      const cfg = readExtractorConfig(config);
      const asBoolean = (config.tinyint1_as_boolean as boolean | undefined) ?? true;
      const endpoint = readDatabaseEndpoint(connection, where);
      const sql = renderSourceSelect(mysqlDialect, cfg.source);
      return runExtraction(
        ctx,
        where,
        cfg.retry,
        async () => {
          const session = await mysqlDialect.open(endpoint, {
            connectTimeoutMs: cfg.connectTimeoutMs,
            where,
          });
          try {
            await setStatementTimeout(session, cfg.statementTimeoutMs);
            const described = await session.describe(sql);
            const mapped = described.map((c) => mapMysqlColumn(c, asBoolean));
            const columns = mapped.map(({ name, type }) => ({ name, type }));
            const { tail, select } = await planIncrementalRead({
              dialect: mysqlDialect,
              spec: cfg.incremental,
              start: incremental,
              chunkRows: cfg.chunkRows,
              sql,
              columns,
              explain: (text) => explainScans(session, text),
              ctx,
              where,
            });
            return await planFetch(session, { source: cfg.source, sql, described, mapped, tail, select });
          } catch (error) {
            await session.close();
            throw error;
          }
        },
        cfg.incremental,
      );
    },
  }),
};
