import { DuckDBInstance, StatementType } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResult, DuckDBVarCharVector } from '@duckdb/node-api';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CanonicalCsvStream,
  ColumnInfo,
  CsvProducer,
  CsvReadOptions,
  DataPlane,
  ExportTarget,
  ReadTextOptions,
  StreamedTable,
  TableInfo,
} from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { quoteIdent } from './canonical-text-sql.js';
import { batchEncodedRows, renderReadTextSelect } from './batch-encoded-rows.js';
import { renderPlaneSettings } from './render-plane-settings.js';
import type { CsvSniffer } from './keep-pass-through-csv.js';
import { loadCsvTable } from './load-csv-table.js';
import { sniffCsvColumns } from './load-detected-csv.js';
import type { AppendingSession } from './load-text-rows.js';
import { loadTextRows } from './load-text-rows.js';
import { bindInputViews, dropInputViews } from './step-views.js';
import { createCanonicalCsvView, materializeCanonicalCsv } from './canonical-csv-outputs.js';
import type { CanonicalFileRegistry } from './canonical-file-registry.js';
import { createCanonicalFileRegistry, writeCanonicalFile } from './canonical-file-registry.js';
import { exportCsvStream } from './export-csv-stream.js';
import { COPY_MAX_COLUMNS, renderCopyTo } from './render-copy-to.js';
import { ingestCsvStream } from './ingest-csv-stream.js';
import { wrapPlaneError } from './wrap-plane-error.js';
import { checkDistinctNames } from './check-distinct-names.js';
import { makeDirectory } from '../../core/make-directory.js';

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
  /** The kept canonical files (the deferred plane's, handed over when it opens this one); default empty. */
  canonicalFiles?: CanonicalFileRegistry;
}

/** The data plane plus its lifecycle. */
export type DuckDbDataPlane = DataPlane & {
  /** Cancel the statement running now (Ctrl-C, timeout); it fails with an interrupt error. */
  interrupt(): void;
  /** Close the database and remove its files. */
  close(): Promise<void>;
  /** Make a kept file written while this plane was open (a streamed hand-over) readable by queries. */
  adoptKeptFile(stepId: string): Promise<void>;
  /** DuckDB's sniffer over a CSV file (a sample of its values; the dialect is given). */
  sniffCsv: CsvSniffer;
};

const DB_FILE = 'data-plane.duckdb';

/** Open a DuckDB database file under workDir (so it spills), with insertion order preserved. */
export async function createDuckDbDataPlane(options: DuckDbDataPlaneOptions): Promise<DuckDbDataPlane> {
  const spill = join(options.workDir, 'spill');
  makeDirectory(spill);
  const instance = await DuckDBInstance.create(join(options.workDir, DB_FILE), {
    memory_limit: options.memoryLimit,
    threads: String(options.threads ?? 2),
    temp_directory: spill,
    preserve_insertion_order: 'true',
    // No network here: never try to download an extension.
    autoinstall_known_extensions: 'false',
  });
  const connection = await instance.connect();
  for (const sql of renderPlaneSettings(options.confineTo)) await connection.run(sql);
  const plane = new DuckDbPlane(instance, connection, options.workDir, options.canonicalFiles);
  await plane.viewKeptFiles();
  return plane;
}

class DuckDbPlane implements DuckDbDataPlane {
  private queue: Promise<unknown> = Promise.resolve();
  private temporaryFiles = 0;
  /** Set by interrupt(): no statement sequence starts after it (DuckDB's interrupt stops only a running one). */
  private interrupted = false;
  /** Aborted by interrupt(): work outside DuckDB (the CSV byte scan) stops too. */
  private readonly aborter = new AbortController();
  /** The main connection as the small interface the helper files use. */
  private readonly session: AppendingSession;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly workDir: string,
    /** Outputs still kept as canonical CSV files. */
    private readonly kept: CanonicalFileRegistry = createCanonicalFileRegistry(),
  ) {
    this.session = {
      run: async (sql) => void (await connection.run(sql)),
      query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
      interrupt: () => connection.interrupt(),
      createAppender: (table) => connection.createAppender(table, 'main'),
    };
  }

  /** Main-connection work runs one statement sequence at a time (temp views are per connection). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> =>
      this.interrupted
        ? Promise.reject(
            new OsirisError('interrupted', 'the data plane was interrupted (Ctrl-C or the run timeout)'),
          )
        : work();
    const next = this.queue.then(guarded, guarded);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async createFromQuery(stepId: string, sql: string, inputs: Record<string, string>): Promise<TableInfo> {
    const asSqlError = (error: unknown): never => {
      throw wrapPlaneError(error, 'sql_error', stepId);
    };
    return this.exclusive(async () => {
      for (const from of new Set(Object.values(inputs))) await this.materialize(from, stepId);
      const views = await bindInputViews(this.session, stepId, inputs, (from) =>
        this.describeNow(from),
      ).catch(asSqlError);
      try {
        // DuckDB's binding answers text with no statement (comments, `;`) with "Error in native callback".
        const extracted = await this.connection.extractStatements(sql).catch((error: unknown) => {
          if ((error as Error).message === 'Error in native callback')
            throw new OsirisError(
              'sql_error',
              'query holds no statement (only comments or `;`); expected one SELECT',
              { where: stepId },
            );
          return asSqlError(error);
        });
        if (extracted.count !== 1) {
          throw new OsirisError(
            'sql_error',
            `query must be exactly one SELECT statement, found ${extracted.count} statements`,
            { where: stepId },
          );
        }
        const prepared = await extracted.prepare(0).catch(asSqlError);
        if (prepared.statementType !== StatementType.SELECT) {
          throw new OsirisError(
            'sql_error',
            'query must be a single SELECT, WITH, VALUES or FROM query (it would modify the data plane)',
            { where: stepId },
          );
        }
        checkDistinctNames(prepared, stepId);
        const body = sql.replace(/[\s;]+$/, '');
        await this.connection
          .run(`CREATE OR REPLACE TABLE main.${quoteIdent(stepId)} AS\n${body}\n`)
          .catch(asSqlError);
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
        { stepId, table: `main.${quoteIdent(stepId)}`, transcodePath, signal: this.aborter.signal },
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
      await loadTextRows(this.session, stepId, columns, rows).catch((error: unknown) => {
        throw wrapPlaneError(error, 'driver_error', stepId, 'loading rows into the data plane: ');
      });
      return this.describeNow(stepId);
    });
  }

  async createFromCsvStream(
    stepId: string,
    columns: ColumnInfo[],
    produce: CsvProducer,
    canonical?: CanonicalCsvStream,
  ): Promise<StreamedTable> {
    if (!canonical) {
      const load = (options: CsvReadOptions): Promise<TableInfo> => this.createFromCsv(stepId, options);
      return ingestCsvStream(this.workDir, stepId, columns, produce, load);
    }
    const { file, rowsProduced } = await writeCanonicalFile(
      this.workDir,
      stepId,
      columns,
      produce,
      canonical,
    );
    const view = (): Promise<void> => createCanonicalCsvView(this.session, stepId, file);
    await this.exclusive(view).catch(async (error: unknown) => {
      await rm(file.path, { force: true });
      throw error;
    });
    this.kept.keep(stepId, file);
    return { table: { name: stepId, columns, rows: file.rows }, rowsProduced };
  }

  /** A pass-through output is the deferred plane's (it parses one before any call reaches this plane). */
  passThroughOf(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  loadTyped(stepId: string): Promise<TableInfo> {
    return this.describe(stepId);
  }

  sniffCsv: CsvSniffer = (file, reader, names) =>
    this.exclusive(() => sniffCsvColumns(this.session, file, reader, names, file.stepId));

  async adoptKeptFile(stepId: string): Promise<void> {
    const file = this.kept.get(stepId);
    if (file) await this.exclusive(() => createCanonicalCsvView(this.session, stepId, file));
  }

  /** Make each kept file readable by queries (once, as this plane opens). */
  async viewKeptFiles(): Promise<void> {
    for (const [stepId, file] of this.kept.entries())
      await createCanonicalCsvView(this.session, stepId, file);
  }

  /** Parse a canonical CSV output into a table before a query reads it (a bad value fails the reader). */
  private async materialize(from: string, readerStepId: string): Promise<void> {
    const output = this.kept.get(from);
    if (!output) return;
    await materializeCanonicalCsv(this.session, from, output, readerStepId);
    this.kept.forget(from);
  }

  describe(stepId: string): Promise<TableInfo> {
    return this.exclusive(() => this.describeNow(stepId));
  }

  private async describeNow(stepId: string): Promise<TableInfo> {
    const file = this.kept.get(stepId);
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
    const info = await this.describe(stepId);
    // A connection of its own, so a long read never blocks or is invalidated by other statements.
    const connection = await this.instance.connect();
    try {
      const result = await connection.stream(renderReadTextSelect(stepId, info.columns, options));
      yield* batchEncodedRows(readChunkLines(result, stepId), options.chunkRows);
    } finally {
      connection.disconnectSync();
    }
  }

  async canExport(stepId: string, format: ExportTarget['format']): Promise<boolean> {
    if (format !== 'csv' || this.kept.get(stepId)) return true;
    return (await this.describe(stepId)).columns.length <= COPY_MAX_COLUMNS;
  }

  async export(stepId: string, target: ExportTarget): Promise<number> {
    return this.exclusive(async () => {
      const shortcut = this.kept.exportKept(stepId, target);
      if (shortcut) return shortcut;
      const info = await this.describeNow(stepId);
      const result = await this.connection
        .run(renderCopyTo(stepId, info.columns, target))
        .catch((error: unknown) => {
          throw wrapPlaneError(error, 'io_error', stepId, `writing ${target.path}: `);
        });
      return result.rowsChanged;
    });
  }

  exportCsvStream(stepId: string): AsyncIterable<Buffer> {
    return exportCsvStream(this.workDir, stepId, this.kept, (target) => this.export(stepId, target));
  }

  interrupt(): void {
    this.interrupted = true;
    this.aborter.abort();
    this.connection.interrupt();
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.connection.disconnectSync();
    this.instance.closeSync();
    await this.kept.removeAll();
    for (const name of [DB_FILE, `${DB_FILE}.wal`, 'spill']) {
      await rm(join(this.workDir, name), { recursive: true, force: true });
    }
  }
}

/** The encoded lines of a result, a chunk at a time. */
async function* readChunkLines(result: DuckDBResult, stepId: string): AsyncIterable<string[]> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    const n = chunk.rowCount;
    const vector = chunk.getColumnVector(0) as DuckDBVarCharVector;
    const lines = new Array<string>(n);
    for (let r = 0; r < n; r++) lines[r] = vector.getItem(r) ?? '';
    // The vector reads string bytes straight from the chunk's native memory, which DuckDB frees when
    // the chunk object is garbage-collected: keep `chunk` reachable until every string is copied
    // (without this use V8 may collect it mid-loop and rows come back garbled).
    if (chunk.rowCount !== n)
      throw new OsirisError('internal', 'a result chunk changed while it was read', { where: stepId });
    yield lines;
  }
}
