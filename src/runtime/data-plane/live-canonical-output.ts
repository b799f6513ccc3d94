/**
 * Outputs that are "coming": an extractor streams its canonical CSV into a file while the writer that
 * consumes it already reads that file (the scheduler starts the two together, see
 * runtime/run-step-sequence.ts). The producer writes at its own pace into the file (it is never
 * throttled by the reader: the file absorbs the difference); the reader tails it one chunk at a time,
 * waits for more at its end, stops when the producer finished and throws when it failed.
 */
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { closeSync, openSync, writeSync } from 'node:fs';
import { OsirisError } from '../../core/errors.js';

const READ_CHUNK_BYTES = 1 << 20;

/** What a coming output came to so far. */
export interface LiveOutput {
  /** Bytes of the file the producer wrote so far (flushed to the file). */
  written: number;
  /** Set once the producer finished (its rows are all in the file). */
  done: boolean;
  /** Set when the producer (or the step) failed: readers throw it. */
  error: unknown;
  /** Resolves at the next change (more bytes, done, failed). */
  changed(): Promise<void>;
  /** Announce a change to the waiting readers. */
  notify(): void;
  /** Stop the producer (its consumer gave up): set by the producer's sink. */
  stop(reason: Error): void;
}

/** A new live output (nothing written yet). */
export function createLiveOutput(): LiveOutput {
  let wake: (() => void) | undefined;
  let next: Promise<void> | undefined;
  return {
    written: 0,
    done: false,
    error: undefined,
    changed() {
      next ??= new Promise<void>((resolve) => (wake = resolve));
      return next;
    },
    notify() {
      const w = wake;
      wake = undefined;
      next = undefined;
      w?.();
    },
    stop: () => undefined,
  };
}

/**
 * The producer's sink: writes to `path` synchronously per chunk (each chunk is in the file before the
 * next is taken, so `written` is always readable) and announces each write. `stop` destroys it, which
 * fails the producer's next write.
 */
export function createLiveSink(path: string, live: LiveOutput): Writable {
  const fd = openSync(path, 'w');
  let closed = false;
  const closeFd = (): void => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  };
  const sink = new Writable({
    highWaterMark: READ_CHUNK_BYTES,
    writev(chunks, callback) {
      try {
        for (const { chunk } of chunks) live.written += writeSync(fd, chunk as Buffer);
        live.notify();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      closeFd();
      callback();
    },
    destroy(error, callback) {
      closeFd();
      callback(error);
    },
  });
  live.stop = (reason) => sink.destroy(reason);
  return sink;
}

/**
 * The rows of a live file (from `start`, past its header) as they are written: one chunk in memory at
 * a time. Throws the producer's failure.
 */
export async function* tailLiveFile(
  path: string,
  start: number,
  live: LiveOutput,
  stepId: string,
): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  let position = start;
  try {
    for (;;) {
      if (live.error !== undefined) throw describeInputFailure(stepId, live.error);
      if (position < live.written) {
        const length = Math.min(READ_CHUNK_BYTES, live.written - position);
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        position += bytesRead;
        yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
        continue;
      }
      if (live.done) break;
      await live.changed();
    }
  } finally {
    // a reader that stops early leaves the producer running: a writer's attempt that is retried reads
    // again from the first row; a writer that fails for good stops the producer (runtime/step-runner.ts)
    await handle.close();
  }
}

/** The failure of an input step as its consumer reports it. */
export function describeInputFailure(stepId: string, error: unknown): OsirisError {
  if (error instanceof OsirisError && error.message.startsWith(`input step '${stepId}' failed`)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OsirisError('input_error', `input step '${stepId}' failed: ${message}`, { cause: error });
}
