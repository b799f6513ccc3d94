import { randomUUID } from 'node:crypto';
import { closeSync, constants, createReadStream, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../../core/index.js';
import { tryMakeFifo } from './csv-handoff.js';

/**
 * A data-plane table as CSV bytes in the canonical convention, no header (NULL an empty unquoted field,
 * '' as `""`): the adopted file when the output is kept as one, else written by the engine's own CSV
 * writer (no per-row work in JS). Where the platform has FIFOs the bytes stream while DuckDB writes;
 * elsewhere they go through a temporary file.
 */
export async function* streamTableAsCsv(ctx: StepContext, stepId: string): AsyncGenerator<Buffer> {
  // Kept as canonical CSV already (an extractor's own bytes): stream them, no pass through DuckDB.
  const adopted = ctx.dataPlane.canonicalCsvFile(stepId);
  if (adopted !== undefined) {
    const rows = createReadStream(adopted.path, { start: adopted.headerBytes, highWaterMark: 1 << 20 });
    yield* rows as AsyncIterable<Buffer>;
    return;
  }
  const path = join(ctx.workDir, `load-${ctx.stepId}-${randomUUID()}.csv`);
  const options = { delimiter: ',', header: false, quote: '"' };
  try {
    if (!tryMakeFifo(path)) {
      await ctx.dataPlane.copyToCsv(stepId, path, options);
      yield* createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
      return;
    }
    const writing = ctx.dataPlane.copyToCsv(stepId, path, options);
    // The reader's open() waits for a writer: if DuckDB fails before opening the FIFO, open and close
    // its write end ourselves so that the reader sees end-of-file and the writer's error surfaces.
    writing.catch(() => {
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader waiting: nothing to release
      }
    });
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    let completed = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      completed = true;
    } finally {
      stream.destroy();
      if (!completed) await writing.catch(() => undefined);
    }
    await writing;
  } finally {
    rmSync(path, { force: true });
  }
}

/** Estimates records sent from the line ends seen (for `write.progress`; the final count comes from the database). */
export interface CsvProgressCounter {
  /** Feed the next chunk; returns the records sent so far, never more than the total. */
  add(chunk: Buffer): number;
}

const NEWLINE = 0x0a;

/**
 * Counts line ends with Buffer#indexOf (memchr speed: a byte loop that tracks quotes costs ~0.6 s of the
 * loading core per million rows). A newline inside a quoted value counts too, so the figure is capped.
 */
export function createCsvProgressCounter(total: number): CsvProgressCounter {
  let lines = 0;
  return {
    add(chunk) {
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
      return Math.min(lines, total);
    },
  };
}
