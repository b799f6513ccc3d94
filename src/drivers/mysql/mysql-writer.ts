import type { ComponentSpec, DriverModule, PassThroughCsv, TableInfo } from '../../core/index.js';
import type { LoadPath } from '../sql/choose-load-path.js';
import { findUnreadableType, readPassThrough } from '../sql/choose-load-path.js';
import { createLoadDataCsvRewriter } from './load-data-csv-rewriter.js';
import { createWriterSchema } from '../sql/database-config.js';
import type { LoaderPosition } from '../sql/database-failure.js';
import { DatabaseFailure } from '../sql/database-failure.js';
import type { MysqlSession, MysqlStatus } from './mysql-client.js';
import { LOCAL_INFILE_NAME, MYSQL_RUNTIME_DEPENDENCIES } from './mysql-protocol.js';
import { mysqlDialect } from './mysql-dialect.js';
import {
  LOAD_DATA_FORMAT,
  createCellAdapters,
  renderInsertValues,
  renderLoadDataRows,
} from './mysql-load-text.js';
import { runDatabaseWrite } from '../sql/run-database-write.js';
import { readWriterConfig } from '../sql/database-config.js';
import { openSqlStateStore } from '../sql/sql-state-store.js';
import type { WriteAttempt } from '../sql/run-database-write.js';
import type { TableRef } from '../sql/sql-dialect.js';
import { createStagingName, quoteTableRef, renderCreateTable } from '../sql/sql-dialect.js';
import { createProgressReporter } from '../sql/write-progress.js';

// Keeps one INSERT well below the server's max_allowed_packet (16 MB by default).
const MAX_INSERT_BYTES = 4 * 1024 * 1024;

/** Column names of the target in order, or undefined when it does not exist (the connection's database without a schema). */
async function readTargetColumns(session: MysqlSession, ref: TableRef): Promise<string[] | undefined> {
  const result = await session.query(
    `SELECT COLUMN_NAME FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [ref.schema ?? null, ref.table],
  );
  return result.rows.length > 0 ? result.rows.map((r) => r[0] as string) : undefined;
}

/** The input row and column a LOAD DATA warning names (`… for column `db`.`t`.`c` at row 3`, `Row 3 …`). */
function readWarningRecord(message: string): LoaderPosition | undefined {
  const row = /\bat row (\d+)|^Row (\d+)/.exec(message);
  if (!row) return undefined;
  const column = /for column (?:`[^`]*`\.)*[`']?([^`'.]+)[`']? at row/.exec(message)?.[1];
  return { unit: 'record', index: Number(row[1] ?? row[2]), ...(column === undefined ? {} : { column }) };
}

/** Refuse a load the server only partly took: LOAD DATA LOCAL turns bad rows into warnings (it cannot stop the upload). */
async function checkStatus(
  session: MysqlSession,
  status: MysqlStatus,
  sent: number,
  a: WriteAttempt,
): Promise<void> {
  if (status.warningCount > 0) {
    const warnings = await session.query('SHOW WARNINGS LIMIT 3');
    const sample = warnings.rows.map((r) => `${r[0]} ${r[1]}: ${r[2]}`).join('; ');
    throw new DatabaseFailure(
      'sql_error',
      a.endpoint.mask(
        `loading into ${a.target} raised ${status.warningCount} warning(s) (${sample}); nothing was committed`,
      ),
      'deterministic',
      undefined,
      a.where,
      readWarningRecord(String(warnings.rows[0]?.[2] ?? '')),
    );
  }
  if (status.affectedRows !== sent) {
    throw new DatabaseFailure(
      'sql_error',
      `the server took ${status.affectedRows} of ${sent} rows into ${a.target}; nothing was committed`,
      'deterministic',
      undefined,
      a.where,
    );
  }
}

/** Why LOAD DATA cannot read a kept file as the typed path would (undefined: it can). */
function refuseForLoadData(csv: PassThroughCsv, useLoadData: boolean): string | undefined {
  if (!useLoadData) return 'the server does not allow LOAD DATA LOCAL (local_infile is off)';
  if (csv.quote === '') return 'config.quote is empty (fields never quoted)';
  if (csv.encoding !== 'utf-8') return "the file is latin-1, and MySQL's latin1 is Windows-1252";
  if (csv.escape !== '' && csv.escape !== csv.quote)
    return `config.escape (${JSON.stringify(csv.escape)}) would be read outside quotes too by LOAD DATA`;
  // BOOLEAN: the rewriter writes DuckDB's spellings as 1/0
  return findUnreadableType(csv, 'LOAD DATA', /^BOOLEAN$/i);
}

/**
 * LOAD DATA of a kept file's bytes, with its NULL convention made LOAD DATA's on the way
 * (load-data-csv-rewriter.ts); the rows the server took must be the records the extractor counted.
 */
async function loadPassThrough(
  session: MysqlSession,
  tableSql: string,
  csv: PassThroughCsv,
  a: WriteAttempt,
): Promise<number> {
  const names = csv.columns.map((c) => mysqlDialect.quoteIdentifier(c.name));
  const sql =
    `LOAD DATA LOCAL INFILE '${LOCAL_INFILE_NAME}' INTO TABLE ${tableSql} ` +
    `CHARACTER SET utf8mb4 FIELDS TERMINATED BY ${session.escape(csv.delimiter)} ` +
    `OPTIONALLY ENCLOSED BY ${session.escape(csv.quote)} ESCAPED BY '' ` +
    `LINES TERMINATED BY ${csv.lineEnd === 'crlf' ? "'\\r\\n'" : "'\\n'"} (${names.join(', ')})`;
  const rewriter = createLoadDataCsvRewriter(
    csv.delimiter.charCodeAt(0),
    csv.quote.charCodeAt(0),
    csv.nullString,
    csv.columns.map((c) => c.type.toUpperCase() === 'BOOLEAN'),
  );
  async function* bytes(): AsyncGenerator<Buffer> {
    // an empty packet would end the upload early: only bytes go out
    for await (const chunk of readPassThrough(a.ctx, csv, a.target)) {
      const out = rewriter.push(chunk);
      if (out.length > 0) yield out;
    }
    const rest = rewriter.end();
    if (rest.length > 0) yield rest;
  }
  const status = await session.loadLocal(sql, bytes());
  // the extractor's scan ended too: a fault it found fails the load here at the latest
  await checkStatus(session, status, (await csv.scanned()).records, a);
  return status.affectedRows;
}

/** Load every input row into `tableSql` (LOAD DATA LOCAL when the server allows it, else multi-row INSERTs); returns the rows the server took. */
async function loadRows(
  session: MysqlSession,
  tableSql: string,
  path: LoadPath,
  a: WriteAttempt,
  useLoadData: boolean,
): Promise<number> {
  if (path.csv) return loadPassThrough(session, tableSql, path.csv, a);
  const { input } = path;
  const columnList = input.columns.map((c) => mysqlDialect.quoteIdentifier(c.name)).join(', ');
  const adapters = createCellAdapters(input.columns);
  const progress = createProgressReporter(a.ctx, a.target);
  const chunks = a.ctx.dataPlane.readText(a.inputStep, { chunkRows: a.cfg.batchSize });
  let sent = 0;
  if (useLoadData) {
    async function* lines(): AsyncGenerator<string> {
      for await (const chunk of chunks) {
        sent += chunk.length;
        progress.report(sent);
        yield renderLoadDataRows(chunk, adapters);
      }
    }
    const sql = `LOAD DATA LOCAL INFILE '${LOCAL_INFILE_NAME}' INTO TABLE ${tableSql} ${LOAD_DATA_FORMAT} (${columnList})`;
    const status = await session.loadLocal(sql, lines());
    await checkStatus(session, status, sent, a);
    return status.affectedRows;
  }
  let taken = 0;
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length;) {
      let end = start;
      let bytes = 0;
      while (end < chunk.length && (end === start || bytes < MAX_INSERT_BYTES)) {
        bytes += (chunk[end] as (string | null)[]).reduce((n, cell) => n + (cell?.length ?? 4) + 4, 0);
        end++;
      }
      const values = renderInsertValues(chunk.slice(start, end), adapters, (text) => session.escape(text));
      const status = await session.query(`INSERT INTO ${tableSql} (${columnList}) VALUES ${values}`);
      await checkStatus(session, status, end - start, a);
      taken += status.affectedRows;
      sent += end - start;
      progress.report(sent);
      start = end;
    }
  }
  return taken;
}

/** One attempt on a fresh connection; data reaches the target only in one final transaction. */
async function loadOnce(a: WriteAttempt, described: TableInfo): Promise<number> {
  const { ctx, cfg, where, target } = a;
  const session = await mysqlDialect.open(a.endpoint, { connectTimeoutMs: cfg.connectTimeoutMs, where });
  const stopListening = a.destroyOnAbort(() => session.destroy());
  const table = quoteTableRef(mysqlDialect, cfg.target);
  const columnList = described.columns.map((c) => mysqlDialect.quoteIdentifier(c.name)).join(', ');
  let created = false;
  try {
    const existing = await readTargetColumns(session, cfg.target);
    const localInfile = (await session.query('SELECT @@local_infile')).rows[0]?.[0];
    const useLoadData = localInfile === '1' || localInfile === 'ON';
    const path = await a.chooseLoadPath(described, existing !== undefined, (csv) =>
      refuseForLoadData(csv, useLoadData),
    );
    const { input } = path;
    if (a.checkTarget(input, existing)) {
      const ddl = renderCreateTable(mysqlDialect, cfg.target, input.columns, cfg.primaryKey);
      ctx.emit('table.ddl_planned', { table: target, ddl });
      await session.query(ddl);
      created = true;
      ctx.emit('table.ddl_executed', { table: target });
    }
    // DDL commits at once in MySQL: the state table is created before the transaction (an empty table
    // left by a failed load is harmless)
    if (a.state) await session.query(a.state.ddl);

    let written: number;
    if (cfg.mode === 'append') {
      await session.query('START TRANSACTION');
      written = await loadRows(session, table, path, a, useLoadData);
      if (a.state) await session.query(a.state.upsert);
      await a.commit(() => session.query('COMMIT'));
    } else {
      // A TEMPORARY table: no implicit commit, private to this connection, gone if the connection dies.
      const stage = quoteTableRef(mysqlDialect, {
        schema: cfg.target.schema,
        table: createStagingName(cfg.target.table),
      });
      await session.query(`CREATE TEMPORARY TABLE ${stage} LIKE ${table}`);
      written = await loadRows(session, stage, path, a, useLoadData);
      await session.query('START TRANSACTION');
      if (cfg.mode === 'replace') {
        await session.query(`DELETE FROM ${table}`);
        await session.query(`INSERT INTO ${table} (${columnList}) SELECT ${columnList} FROM ${stage}`);
      } else {
        const nonKey = input.columns.map((c) => c.name).filter((n) => !cfg.primaryKey.includes(n));
        const upsert = mysqlDialect.renderUpsertClause(cfg.primaryKey, nonKey);
        await session.query(
          `INSERT INTO ${table} (${columnList}) SELECT ${columnList} FROM ${stage} ${upsert}`,
        );
      }
      if (a.state) await session.query(a.state.upsert);
      await a.commit(() => session.query('COMMIT'));
      await session.query(`DROP TEMPORARY TABLE ${stage}`);
    }
    a.reportState();
    await session.close();
    return written;
  } catch (error) {
    // Dropping the connection rolls back the open transaction and drops the staging table.
    session.destroy();
    if (created) await dropCreatedTable(a, table);
    throw error;
  } finally {
    stopListening();
  }
}

/** MySQL DDL commits at once: a table this attempt created goes again, so a failed run leaves no trace. */
async function dropCreatedTable(a: WriteAttempt, table: string): Promise<void> {
  try {
    const cleanup = await mysqlDialect.open(a.endpoint, {
      connectTimeoutMs: a.cfg.connectTimeoutMs,
      where: a.where,
    });
    await cleanup.query(`DROP TABLE IF EXISTS ${table}`).finally(() => cleanup.close());
  } catch (error) {
    a.ctx.log.warn(
      `${a.where}: could not drop ${a.target} after the failed load: ${(error as Error).message}`,
    );
  }
}

const SPEC: ComponentSpec = {
  name: 'mysql.writer',
  version: '1.0.0',
  title:
    'Write the input into a MySQL/MariaDB table (LOAD DATA LOCAL stream; append, replace or upsert in one transaction)',
  modes: ['write'],
  configSchema: createWriterSchema('mysql'),
  secrets: [],
  connectionFamilies: ['mysql'],
  consumesStream: true,
  passThrough: 'loader',
  pathKeys: [],
  runtimeDependencies: MYSQL_RUNTIME_DEPENDENCIES,
  example: {
    connection: '@mysql.warehouse',
    table: 'movies',
    write_mode: 'replace',
    primary_key: ['id'],
    create_if_missing: true,
  },
};

/** `mysql.writer`. */
export const mysqlWriterModule: DriverModule = {
  spec: SPEC,
  create: () => ({ run: (request) => runDatabaseWrite(request, mysqlDialect, loadOnce) }),
  openStateStore: (config, connection) =>
    openSqlStateStore(mysqlDialect, readWriterConfig(config, 'state').target, connection, 'state'),
};
