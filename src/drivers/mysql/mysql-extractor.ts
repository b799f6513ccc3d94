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
import type { MysqlColumn } from './mysql-protocol.js';
import { MYSQL_RUNTIME_DEPENDENCIES } from './mysql-client.js';
import { mysqlDialect } from './mysql-dialect.js';
import type { MappedMysqlColumn } from './mysql-column-types.js';
import {
  NOT_BOOLEAN_MARK,
  mapMysqlColumn,
  renderCanonicalCellSql,
  renderCsvCellSql,
} from './mysql-column-types.js';
import { INCREMENTAL_ALIAS, findFullScans, planIncrementalRead } from '../sql/incremental-read.js';
import type { ExtractionPlan } from '../sql/run-extraction.js';
import { renderSourceSelect, runExtraction } from '../sql/run-extraction.js';

const CHUNK_ROWS = 5000;
/** Bytes per chunk of server-rendered lines: one write each (about 4,000 rows of the `events` table). */
const CHUNK_BYTES = 1 << 20;

/**
 * The query that makes the server render each row as one CSV line (measured: a Node row stream is
 * CPU-bound on parsing and stringifying; one text column per row is not). Undefined when the source
 * cannot be wrapped safely: MariaDB may drop an ORDER BY inside a derived table.
 */
export function buildServerCsvSelect(
  source: ExtractSource,
  sql: string,
  mapped: readonly MappedMysqlColumn[],
  canonical = false,
  tail = '',
): string | undefined {
  // an incremental read (a `tail`) orders outside the derived table, so an inner ORDER BY is moot
  if (!tail && source.kind === 'query' && /\border\s+by\b/i.test(sql)) return undefined;
  const from =
    !tail && source.kind === 'table'
      ? quoteTableRef(mysqlDialect, source.ref)
      : `(${sql}) AS ${INCREMENTAL_ALIAS}`;
  const cells: string[] = [];
  for (const c of mapped) {
    const ref = mysqlDialect.quoteIdentifier(c.name);
    const cell = canonical ? renderCanonicalCellSql(ref, c) : renderCsvCellSql(ref, c.render);
    if (cell === undefined) return undefined;
    cells.push(cell);
  }
  return `SELECT CONCAT(${cells.join(",',',")}) FROM ${from}${tail}`;
}

/**
 * Stream server-rendered CSV lines into the sink; `check` sees every chunk first and may refuse it.
 */
async function produceServerLines(
  session: MysqlSession,
  csvSql: string,
  sink: Writable,
  check: (bytes: Buffer) => void = () => undefined,
): Promise<number> {
  let rows = 0;
  for await (const chunk of session.streamFirstColumnLines(csvSql, CHUNK_BYTES)) {
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

/**
 * The fastest fetch the source allows: server-rendered canonical CSV (handed over unparsed), else
 * server-rendered CSV, else a row stream (a query that cannot be a derived table: duplicate names, SHOW…).
 */
async function planFetch(session: MysqlSession, f: FetchInput): Promise<ExtractionPlan> {
  const usable = async (candidate: string | undefined): Promise<string | undefined> =>
    candidate === undefined
      ? undefined
      : session.describe(candidate).then(
          () => candidate,
          () => undefined,
        );
  const columns = f.mapped.map(({ name, type }) => ({ name, type }));
  const common = { columns, close: () => session.close(), destroy: () => session.destroy() };
  const canonicalSql = await usable(buildServerCsvSelect(f.source, f.sql, f.mapped, true, f.tail));
  if (canonicalSql !== undefined) {
    const booleans = f.mapped.filter((c) => c.type === 'BOOLEAN').map((c) => c.name);
    return {
      ...common,
      method: 'server-rendered canonical CSV, handed over unparsed',
      canonical: true,
      produce: (sink) => produceServerLines(session, canonicalSql, sink, createBooleanCheck(booleans)),
    };
  }
  const csvSql = await usable(buildServerCsvSelect(f.source, f.sql, f.mapped, false, f.tail));
  if (csvSql === undefined) {
    return {
      ...common,
      method: 'row stream',
      produce: (sink) => produceClientLines(session, f.select, f.described, sink),
    };
  }
  return {
    ...common,
    method: 'server-rendered CSV',
    produce: (sink) => produceServerLines(session, csvSql, sink),
  };
}

const SPEC: ComponentSpec = {
  name: 'mysql.extractor',
  version: '1.0.0',
  title: 'Read a MySQL/MariaDB query or table into the data plane (server-rendered CSV stream, exact types)',
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
