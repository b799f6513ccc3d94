import { randomUUID } from 'node:crypto';
import { closeSync, constants, createReadStream, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportTarget } from '../../core/data-plane.js';
import type { CanonicalFileRegistry } from './canonical-file-registry.js';
import { tryMakeFifo } from './try-make-fifo.js';

const READ_CHUNK_BYTES = 1 << 20;

/**
 * A step's table as canonical CSV bytes without a header: the kept file's rows when the output is kept
 * as one (no pass through DuckDB), else what `exportFile` (the engine's CSV writer) writes. Where the
 * platform has FIFOs the bytes stream while DuckDB writes; elsewhere through a temporary file.
 */
export async function* exportCsvStream(
  workDir: string,
  stepId: string,
  kept: CanonicalFileRegistry,
  exportFile: (target: ExportTarget) => Promise<number>,
): AsyncGenerator<Buffer> {
  const keptRows = kept.streamKept(stepId);
  if (keptRows) {
    yield* keptRows;
    return;
  }
  const path = join(workDir, `export-${stepId}-${randomUUID()}.csv`);
  const target: ExportTarget = { format: 'csv', path, delimiter: ',', header: false, quote: '"' };
  try {
    if (!tryMakeFifo(path)) {
      await exportFile(target);
      yield* createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>;
      return;
    }
    yield* streamThroughFifo(path, exportFile(target));
  } finally {
    rmSync(path, { force: true });
  }
}

/** Read the FIFO that `writing` writes, and surface the writer's error. */
async function* streamThroughFifo(path: string, writing: Promise<number>): AsyncGenerator<Buffer> {
  // The reader's open() waits for a writer: if DuckDB fails before opening the FIFO, open and close
  // its write end ourselves so that the reader sees end-of-file and the writer's error surfaces.
  writing.catch(() => {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader waiting: nothing to release
    }
  });
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  let completed = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    completed = true;
  } finally {
    stream.destroy();
    if (!completed) await writing.catch(() => undefined);
  }
  await writing;
}
