import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { ColumnInfo, CsvReadOptions, StepContext, TableInfo } from '../../core/index.js';
import { OsirisError } from '../../core/index.js';
import { createCsvRowRenderer } from './csv-row-renderer.js';

/**
 * Writes CSV into `sink` (RFC 4180, `"` quoting, no header; NULL as an empty unquoted field, the empty
 * string as `""`) and ends it. Returns the number of rows written.
 */
export type CsvProducer = (sink: Writable) => Promise<number>;

/** What a handoff loaded. */
export interface HandoffResult {
  /** The data-plane table. */
  table: TableInfo;
  /** Rows the producer wrote. */
  rowsProduced: number;
}

// Appended when the producer fails midway: an unterminated quote makes the CSV reader fail, so no
// table with part of the rows is ever created.
const POISON = '\n"';

/** Bytes the producer may run ahead of the data plane while DuckDB parses a buffer (bounded memory). */
const HANDOFF_BUFFER_BYTES = 4 << 20;

/** Create a FIFO (named pipe) at `path`; false where the platform has none (then callers use a file). */
export function tryMakeFifo(path: string): boolean {
  if (process.platform === 'win32') return false;
  return spawnSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' }).status === 0;
}

/** Open the FIFO's write end once the data plane opened its read end (non-blocking, so a reader that failed cannot hang us). */
async function openFifoWriter(path: string, loading: { settled: boolean; error: unknown }): Promise<Socket> {
  for (;;) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      return new Socket({
        fd,
        readable: false,
        writable: true,
        writableHighWaterMark: HANDOFF_BUFFER_BYTES,
      } as ConstructorParameters<typeof Socket>[0]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
    }
    if (loading.settled) {
      throw (
        loading.error ??
        new OsirisError('internal', 'the data plane finished without reading the extracted rows')
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function buildReadOptions(path: string, columns: ColumnInfo[]): CsvReadOptions {
  return {
    path,
    delimiter: ',',
    header: false,
    quote: '"',
    escape: '"',
    encoding: 'utf-8',
    columns,
    nullString: '',
  };
}

/**
 * Stream CSV from a producer into the step's data-plane table with explicit column types. Where the
 * platform has FIFOs the data plane reads while the producer writes (one pass, nothing on disk);
 * elsewhere the CSV goes through a temporary file in the work directory.
 */
export async function loadCsvIntoDataPlane(
  ctx: StepContext,
  columns: ColumnInfo[],
  produce: CsvProducer,
): Promise<HandoffResult> {
  const path = join(ctx.workDir, `extract-${ctx.stepId}-${randomUUID()}.csv`);
  const options = buildReadOptions(path, columns);
  try {
    if (!tryMakeFifo(path)) {
      const file = createWriteStream(path);
      const rowsProduced = await produce(file);
      await finished(file);
      return { table: await ctx.dataPlane.createFromCsv(ctx.stepId, options), rowsProduced };
    }
    const state: { settled: boolean; error: unknown } = { settled: false, error: undefined };
    const loading = ctx.dataPlane.createFromCsv(ctx.stepId, options);
    loading.then(
      () => (state.settled = true),
      (error: unknown) => {
        state.settled = true;
        state.error = error;
      },
    );
    const sink = await openFifoWriter(path, state);
    // The reader failed (bad value, out of space): stop the producer at once instead of blocking on a full pipe.
    let readerGaveUp = false;
    loading.catch(() => {
      readerGaveUp = true;
      sink.destroy(new Error('the data plane stopped reading'));
    });
    sink.on('error', () => {
      readerGaveUp = true;
    });
    let rowsProduced: number;
    try {
      rowsProduced = await produce(sink);
      if (!sink.writableFinished) await finished(sink);
    } catch (error) {
      // A broken pipe only echoes the reader's failure; a source failure (lost connection, SQL error) is the cause itself.
      const readerFirst = readerGaveUp;
      if (!sink.destroyed) sink.end(POISON);
      await loading.catch(() => undefined);
      throw readerFirst && state.error !== undefined ? state.error : error;
    }
    return { table: await loading, rowsProduced };
  } finally {
    rmSync(path, { force: true });
  }
}

/** Write a chunk and wait for 'drain' when the sink's buffer is full (rejects if the sink fails). */
export async function writeChunk(sink: Writable, chunk: string | Buffer): Promise<void> {
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/**
 * For a producer that writes the canonical CSV convention itself (its server renders the canonical
 * forms): a header line and the bytes go to a file in the work directory that the data plane adopts as
 * the step's output without parsing it (DataPlane.createFromCanonicalCsv). A failed producer leaves
 * no file and no table.
 */
export async function adoptCanonicalCsv(
  ctx: StepContext,
  columns: ColumnInfo[],
  produce: CsvProducer,
): Promise<HandoffResult> {
  const path = join(ctx.workDir, `extract-${ctx.stepId}-${randomUUID()}.csv`);
  // The header a CSV writer would write, so that writer can take the whole file as its output.
  const header = createCsvRowRenderer({ delimiter: ',', quoting: 'minimal', newline: '\n' }).renderHeader(
    columns.map((c) => c.name),
  );
  try {
    const file = createWriteStream(path);
    file.on('error', () => undefined);
    await writeChunk(file, header);
    const rowsProduced = await produce(file);
    if (!file.writableFinished) await finished(file);
    const adopted = { path, headerBytes: Buffer.byteLength(header) };
    const table = await ctx.dataPlane.createFromCanonicalCsv(ctx.stepId, columns, adopted, rowsProduced);
    return { table, rowsProduced };
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}
