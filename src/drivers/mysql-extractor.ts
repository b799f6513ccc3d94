import type { Writable } from 'node:stream';
import type { ComponentSpec, DriverModule } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import { writeChunk } from './csv-handoff.js';
import { createCsvRowRenderer } from './csv-row-renderer.js';
import type { ExtractSource } from './database-config.js';
import { createExtractorSchema, readExtractorConfig } from './database-config.js';
import { readDatabaseEndpoint } from './database-endpoint.js';
import type { MysqlSession } from './mysql-client.js';
import type { MysqlColumn } from './mysql-protocol.js';
import { MYSQL_RUNTIME_DEPENDENCIES, openMysqlSession } from './mysql-client.js';
import type { MappedMysqlColumn } from './mysql-column-types.js';
import { mapMysqlColumn, renderCsvCellSql } from './mysql-column-types.js';
import { runExtraction } from './run-extraction.js';
import { quoteIdentifier, quoteTableRef } from './sql-ddl.js';

const CHUNK_ROWS = 5000;

/** The SELECT an extractor runs for its source. */
export function buildMysqlSelect(source: ExtractSource): string {
  if (source.kind === 'query') return source.sql;
  const columns = source.columns ? source.columns.map((c) => quoteIdentifier('mysql', c)).join(', ') : '*';
  return `SELECT ${columns} FROM ${quoteTableRef('mysql', source.ref)}`;
}

/**
 * The query that makes the server render each row as one CSV line (PERF-NOTES: a Node row stream is
 * CPU-bound on parsing and stringifying; one text column per row is not). Undefined when the source
 * cannot be wrapped safely: MariaDB may drop an ORDER BY inside a derived table.
 */
export function buildServerCsvSelect(
  source: ExtractSource,
  sql: string,
  mapped: readonly MappedMysqlColumn[],
): string | undefined {
  if (source.kind === 'query' && /\border\s+by\b/i.test(sql)) return undefined;
  const from = source.kind === 'table' ? quoteTableRef('mysql', source.ref) : `(${sql}) AS osiris_q`;
  const cells = mapped.map((c) => renderCsvCellSql(quoteIdentifier('mysql', c.name), c.render));
  return `SELECT CONCAT(${cells.join(",',',")}) FROM ${from}`;
}

async function produceServerLines(session: MysqlSession, csvSql: string, sink: Writable): Promise<number> {
  let rows = 0;
  for await (const chunk of session.streamFirstColumnLines(csvSql, CHUNK_ROWS)) {
    rows += chunk.lines;
    await writeChunk(sink, chunk.bytes);
  }
  sink.end();
  return rows;
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

/** Set the per-statement time limit: MariaDB's max_statement_time (s), else MySQL's max_execution_time (ms). */
async function setStatementTimeout(session: MysqlSession, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await session.query('SET SESSION max_statement_time = ?', [ms / 1000]);
  } catch {
    await session.query('SET SESSION max_execution_time = ?', [ms]);
  }
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
  pathKeys: [],
  runtimeDependencies: MYSQL_RUNTIME_DEPENDENCIES,
  example: { connection: '@mysql.movies', table: 'movies', columns: ['id', 'title', 'budget_usd'] },
};

/** `mysql.extractor`. */
export const mysqlExtractorModule: DriverModule = {
  spec: SPEC,
  create: () => ({
    async run({ config, connection, ctx }) {
      const where = `step ${ctx.stepId}`;
      const cfg = readExtractorConfig(config, where);
      const asBoolean = config.tinyint1_as_boolean ?? true;
      if (typeof asBoolean !== 'boolean')
        throw new OsirisError('config_error', "'tinyint1_as_boolean' must be true or false", { where });
      const endpoint = readDatabaseEndpoint(connection, where);
      const sql = buildMysqlSelect(cfg.source);
      return runExtraction(ctx, where, cfg.retry, async () => {
        const session = await openMysqlSession(endpoint, { connectTimeoutMs: cfg.connectTimeoutMs, where });
        try {
          await setStatementTimeout(session, cfg.statementTimeoutMs);
          const described = await session.describe(sql);
          const mapped = described.map((c) => mapMysqlColumn(c, asBoolean));
          const columns = mapped.map(({ name, type }) => ({ name, type }));
          let csvSql = buildServerCsvSelect(cfg.source, sql, mapped);
          // A query that cannot be a derived table (duplicate names, SHOW ...) is streamed row by row instead.
          if (csvSql !== undefined)
            csvSql = await session.describe(csvSql).then(
              () => csvSql,
              () => undefined,
            );
          const common = { columns, close: () => session.close(), destroy: () => session.destroy() };
          if (csvSql === undefined) {
            return {
              ...common,
              method: 'row stream',
              produce: (sink) => produceClientLines(session, sql, described, sink),
            };
          }
          const serverSql = csvSql;
          return {
            ...common,
            method: 'server-rendered CSV',
            produce: (sink) => produceServerLines(session, serverSql, sink),
          };
        } catch (error) {
          await session.close();
          throw error;
        }
      });
    },
  }),
};
