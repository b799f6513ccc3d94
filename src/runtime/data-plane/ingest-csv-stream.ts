import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type {
  ColumnInfo,
  CsvProducer,
  CsvReadOptions,
  StreamedTable,
  TableInfo,
} from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import { tryMakeFifo } from './try-make-fifo.js';

// Appended when the producer fails midway: an unterminated quote makes the CSV reader fail, so no
// table with part of the rows is ever created.
const POISON = '\n"';

/** Bytes the producer may run ahead of the data plane while DuckDB parses a buffer (bounded memory). */
const HANDOFF_BUFFER_BYTES = 4 << 20;

/** How the reader is doing, for the writer that waits on it. */
interface ReaderState {
  settled: boolean;
  error: unknown;
}

/** Open the FIFO's write end once the data plane opened its read end (non-blocking, so a reader that failed cannot hang us). */
async function openFifoWriter(path: string, loading: ReaderState): Promise<Socket> {
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

/** Run the producer into the FIFO that `loading` reads; a producer failure poisons the stream. */
async function produceIntoFifo(
  path: string,
  loading: Promise<TableInfo>,
  produce: CsvProducer,
): Promise<StreamedTable> {
  const state: ReaderState = { settled: false, error: undefined };
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
}

/**
 * Stream CSV from a producer into a step's table with explicit column types through `load` (the data
 * plane's CSV ingest). Where the platform has FIFOs the data plane reads while the producer writes;
 * elsewhere the CSV goes through a temporary file in the work directory.
 */
export async function ingestCsvStream(
  workDir: string,
  stepId: string,
  columns: ColumnInfo[],
  produce: CsvProducer,
  load: (options: CsvReadOptions) => Promise<TableInfo>,
): Promise<StreamedTable> {
  const path = join(workDir, `extract-${stepId}-${randomUUID()}.csv`);
  const options = buildReadOptions(path, columns);
  try {
    if (!tryMakeFifo(path)) {
      const file = createWriteStream(path);
      const rowsProduced = await produce(file);
      await finished(file);
      return { table: await load(options), rowsProduced };
    }
    return await produceIntoFifo(path, load(options), produce);
  } finally {
    rmSync(path, { force: true });
  }
}
