import { DuckDBInstance, StatementType } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBVarCharVector } from '@duckdb/node-api';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CanonicalCsvFile,
  ColumnInfo,
  CsvReadOptions,
  DataPlane,
  ReadTextOptions,
  TableInfo,
} from '../core/data-plane.js';
import { OsirisError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import {
  CANONICAL_MACROS,
  decodeEncodedRow,
  quoteIdent,
  quoteString,
  renderCanonicalSelect,
  renderEncodedRowSelect,
} from './canonical-text-sql.js';
import { loadCsvTable } from './load-csv-table.js';
import type { SqlSession } from './load-csv-table.js';
import { bindInputViews, dropInputViews } from './step-views.js';
import type { CanonicalCsvOutput } from './canonical-csv-outputs.js';
import {
  copyCanonicalCsv,
  createCanonicalCsvView,
  materializeCanonicalCsv,
} from './canonical-csv-outputs.js';

export { aliasOf } from './step-views.js';

/** Options of the run-local data plane. */
export interface DuckDbDataPlaneOptions {
  /** Run scratch directory: holds the database file and `spill/`. */
  workDir: string;
  /** DuckDB `memory_limit`, e.g. `512MB`; beyond it DuckDB spills to `<workDir>/spill`. */
  memoryLimit: string;
  /** DuckDB threads (default 2). */
  threads?: number;
  /** Directories SQL may read or write (sandbox runs); every other path, the network and settings are locked. */
  confineTo?: readonly string[];
}

/** The data plane plus its lifecycle. */
export type DuckDbDataPlane = DataPlane & {
  /** Cancel the statement running now (Ctrl-C, timeout); it fails with an interrupt error. */
  interrupt(): void;
  /** Close the database and remove its files. */
  close(): Promise<void>;
};

const DB_FILE = 'data-plane.duckdb';
/** Rows buffered in the VARCHAR staging table before one typed INSERT (bounded memory). */
const STAGE_ROWS = 100_000;

/** Open a DuckDB database file under workDir (so it spills), with insertion order preserved. */
export async function createDuckDbDataPlane(options: DuckDbDataPlaneOptions): Promise<DuckDbDataPlane> {
  const spill = join(options.workDir, 'spill');
  await mkdir(spill, { recursive: true });
  const instance = await DuckDBInstance.create(join(options.workDir, DB_FILE), {
    memory_limit: options.memoryLimit,
    threads: String(options.threads ?? 2),
    temp_directory: spill,
    preserve_insertion_order: 'true',
    // No network here: never try to download an extension.
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  await connection.run(`SET GLOBAL TimeZone = 'UTC'`);
  // FSST string compression made loading and copying ~1.5x slower (1M events rows: load 1.9-2.3 s ->
  // 1.3 s, CTAS 1.1-1.6 s -> 0.5 s) for a scratch file twice as small; disk is cheaper than time here.
  await connection.run(`SET GLOBAL disabled_compression_methods = 'fsst'`);
  for (const macro of CANONICAL_MACROS) await connection.run(macro);
  if (options.confineTo) await confineFileAccess(connection, options.confineTo);
  return new DuckDbPlane(instance, connection, options.workDir);
}

/**
 * Sandbox runs: a processor's SQL may touch only these directories (read_text('../.env') is refused).
 * DuckDB resolves symlinks before the check; lock_configuration keeps a query from undoing it.
 */
async function confineFileAccess(connection: DuckDBConnection, dirs: readonly string[]): Promise<void> {
  const list = dirs.map((d) => quoteString(d.endsWith('/') ? d : `${d}/`)).join(', ');
  await connection.run(`SET allowed_directories = [${list}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function wrapError(error: unknown, code: ErrorCode, stepId: string, prefix = ''): OsirisError {
  if (error instanceof OsirisError) return error;
  return new OsirisError(code, prefix + messageOf(error), { where: stepId, cause: error });
}

class DuckDbPlane implements DuckDbDataPlane {
  private queue: Promise<unknown> = Promise.resolve();
  private temporaryFiles = 0;
  /** Outputs still kept as canonical CSV files, by step id. */
  private readonly canonicalFiles = new Map<string, CanonicalCsvOutput>();
  /** The main connection as the small interface the helper files use. */
  private readonly session: SqlSession;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly workDir: string,
  ) {
    this.session = {
      run: async (sql) => void (await connection.run(sql)),
      query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
      interrupt: () => connection.interrupt(),
    };
  }

  /** Main-connection work runs one statement sequence at a time (temp views are per connection). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async createFromQuery(stepId: string, sql: string, inputs: Record<string, string>): Promise<TableInfo> {
    return this.exclusive(async () => {
      for (const from of new Set(Object.values(inputs))) await this.materialize(from, stepId);
      const views = await bindInputViews(this.session, stepId, inputs, (from) =>
        this.describeNow(from),
      ).catch((error: unknown) => {
        throw wrapError(error, 'sql_error', stepId);
      });
      try {
        const extracted = await this.connection.extractStatements(sql).catch((error: unknown) => {
          throw wrapError(error, 'sql_error', stepId);
        });
        if (extracted.count !== 1) {
          throw new OsirisError(
            'sql_error',
            `query must be exactly one SELECT statement, found ${extracted.count} statements`,
            { where: stepId },
          );
        }
        const prepared = await extracted.prepare(0).catch((error: unknown) => {
          throw wrapError(error, 'sql_error', stepId);
        });
        if (prepared.statementType !== StatementType.SELECT) {
          throw new OsirisError(
            'sql_error',
            'query must be a single SELECT, WITH, VALUES or FROM query (it would modify the data plane)',
            { where: stepId },
          );
        }
        const body = sql.replace(/[\s;]+$/, '');
        await this.connection
          .run(`CREATE OR REPLACE TABLE main.${quoteIdent(stepId)} AS\n${body}\n`)
          .catch((error: unknown) => {
            throw wrapError(error, 'sql_error', stepId);
          });
      } finally {
        await dropInputViews(this.session, views);
      }
      return this.describeNow(stepId);
    });
  }

  async createFromCsv(stepId: string, options: CsvReadOptions): Promise<TableInfo> {
    return this.exclusive(async () => {
      const transcodePath = join(this.workDir, `transcoded-${++this.temporaryFiles}.csv`);
      const rows = await loadCsvTable(
        this.session,
        { stepId, table: `main.${quoteIdent(stepId)}`, transcodePath },
        options,
      );
      // The count the loader verified against its own scan of the file is the count reported.
      return { ...(await this.describeNow(stepId)), rows };
    });
  }

  async createFromRows(
    stepId: string,
    columns: ColumnInfo[],
    rows: AsyncIterable<(string | null)[][]>,
  ): Promise<TableInfo> {
    return this.exclusive(async () => {
      const table = `main.${quoteIdent(stepId)}`;
      const stage = `main.${quoteIdent(`__osiris_stage_${stepId}`)}`;
      const fail = (error: unknown): never => {
        throw wrapError(error, 'driver_error', stepId, 'loading rows into the data plane: ');
      };
      const typed = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
      await this.connection.run(`CREATE OR REPLACE TABLE ${table} (${typed})`).catch(fail);
      await this.connection.run(
        `CREATE OR REPLACE TABLE ${stage} (${columns.map((c) => `${quoteIdent(c.name)} VARCHAR`).join(', ')})`,
      );
      // Text in, typed out: one CAST per column, so DuckDB validates JSON, dates and numbers.
      const flushSql = `INSERT INTO ${table} SELECT ${columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.type})`).join(', ')} FROM ${stage}`;
      try {
        let appender = await this.connection.createAppender(`__osiris_stage_${stepId}`, 'main');
        let staged = 0;
        const flush = async (): Promise<void> => {
          appender.closeSync();
          await this.connection.run(flushSql).catch(fail);
          await this.connection.run(`TRUNCATE ${stage}`);
          staged = 0;
          appender = await this.connection.createAppender(`__osiris_stage_${stepId}`, 'main');
        };
        for await (const batch of rows) {
          for (const row of batch) {
            if (row.length !== columns.length)
              fail(new Error(`a row has ${row.length} cells, expected ${columns.length}`));
            for (const cell of row) {
              if (cell === null) appender.appendNull();
              else appender.appendVarchar(cell);
            }
            appender.endRow();
          }
          staged += batch.length;
          if (staged >= STAGE_ROWS) await flush();
        }
        await flush();
        appender.closeSync();
      } catch (error) {
        await this.connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
        throw wrapError(error, 'driver_error', stepId, 'loading rows into the data plane: ');
      } finally {
        await this.connection.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
      }
      return this.describeNow(stepId);
    });
  }

  async createFromCanonicalCsv(
    stepId: string,
    columns: ColumnInfo[],
    file: CanonicalCsvFile,
    rows: number,
  ): Promise<TableInfo> {
    return this.exclusive(async () => {
      const output = { path: file.path, headerBytes: file.headerBytes, columns, rows };
      await createCanonicalCsvView(this.session, stepId, output).catch((error: unknown) => {
        throw wrapError(error, 'driver_error', stepId, 'adopting the extracted rows: ');
      });
      this.canonicalFiles.set(stepId, output);
      return { name: stepId, columns, rows };
    });
  }

  canonicalCsvFile(stepId: string): CanonicalCsvFile | undefined {
    const output = this.canonicalFiles.get(stepId);
    return output && { path: output.path, headerBytes: output.headerBytes };
  }

  /** Parse a canonical CSV output into a table before a query reads it (a bad value fails the reader). */
  private async materialize(from: string, readerStepId: string): Promise<void> {
    const output = this.canonicalFiles.get(from);
    if (!output) return;
    await materializeCanonicalCsv(this.session, from, output).catch((error: unknown) => {
      // DuckDB's CSV error goes on with reader options that only confuse here: keep what failed.
      const lines = messageOf(error).split('\n');
      const what = [lines[0], ...lines.filter((l) => /^Error when converting/.test(l))].join(': ');
      throw new OsirisError('input_error', `reading the output of step "${from}": ${what}`, {
        where: readerStepId,
        cause: error,
      });
    });
    this.canonicalFiles.delete(from);
  }

  describe(stepId: string): Promise<TableInfo> {
    return this.exclusive(() => this.describeNow(stepId));
  }

  private async describeNow(stepId: string): Promise<TableInfo> {
    const file = this.canonicalFiles.get(stepId);
    if (file) return { name: stepId, columns: file.columns, rows: file.rows };
    // DESCRIBE looks the one table up; duckdb_columns() scanned every table of the run, so a step's cost
    // grew with the number of steps before it (1,000-step runs: 28 -> 58 ms per step).
    const reader = await this.connection
      .runAndReadAll(`DESCRIBE main.${quoteIdent(stepId)}`)
      .catch(() => undefined);
    const columns = (reader?.getRowObjectsJS() ?? []).map((row) => ({
      name: String(row['column_name']),
      type: String(row['column_type']),
    }));
    if (columns.length === 0) {
      throw new OsirisError('input_error', `no output table for step "${stepId}" in the data plane`, {
        where: stepId,
      });
    }
    const count = await this.connection.runAndReadAll(`SELECT count(*) FROM main.${quoteIdent(stepId)}`);
    return { name: stepId, columns, rows: Number(count.getRows()[0]?.[0] ?? 0) };
  }

  async *readText(stepId: string, options: ReadTextOptions = {}): AsyncIterable<(string | null)[][]> {
    const chunkRows = Math.max(1, options.chunkRows ?? 2048);
    const info = await this.describe(stepId);
    // A connection of its own, so a long read never blocks or is invalidated by other statements.
    const connection = await this.instance.connect();
    try {
      const result = await connection.stream(renderEncodedRowSelect(stepId, info.columns));
      let batch: (string | null)[][] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        const vector = chunk.getColumnVector(0) as DuckDBVarCharVector;
        const lines = new Array<string>(n);
        for (let r = 0; r < n; r++) lines[r] = vector.getItem(r) ?? '';
        // The vector reads string bytes straight from the chunk's native memory, which DuckDB frees
        // when the chunk object is garbage-collected: keep `chunk` reachable until every string is
        // copied (without this use V8 may collect it mid-loop and rows come back garbled).
        if (chunk.rowCount !== n)
          throw new OsirisError('internal', 'a result chunk changed while it was read', { where: stepId });
        for (const line of lines) {
          batch.push(decodeEncodedRow(line));
          if (batch.length >= chunkRows) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      connection.disconnectSync();
    }
  }

  async copyToCsv(
    stepId: string,
    path: string,
    options: { delimiter: string; header: boolean; quote: string },
  ): Promise<number> {
    return this.exclusive(async () => {
      const file = this.canonicalFiles.get(stepId);
      if (file && options.delimiter === ',' && options.quote === '"') {
        return copyCanonicalCsv(file, path, options.header).catch((error: unknown) => {
          throw wrapError(error, 'io_error', stepId, `writing ${path}: `);
        });
      }
      const info = await this.describeNow(stepId);
      const copy = `COPY (${renderCanonicalSelect(stepId, info.columns)}) TO ${quoteString(path)} (FORMAT csv, HEADER ${options.header},
        DELIMITER ${quoteString(options.delimiter)}, QUOTE ${quoteString(options.quote)}, ESCAPE ${quoteString(options.quote)}, NULLSTR '')`;
      const result = await this.connection.run(copy).catch((error: unknown) => {
        throw wrapError(error, 'io_error', stepId, `writing ${path}: `);
      });
      return result.rowsChanged;
    });
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.connection.disconnectSync();
    this.instance.closeSync();
    for (const file of this.canonicalFiles.values()) await rm(file.path, { force: true });
    for (const name of [DB_FILE, `${DB_FILE}.wal`, 'spill']) {
      await rm(join(this.workDir, name), { recursive: true, force: true });
    }
  }
}
