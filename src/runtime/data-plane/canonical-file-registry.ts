/**
 * The one registry of step outputs kept as canonical CSV files, shared by the deferred and the DuckDB
 * data plane. An extractor that delivers the canonical forms itself (rendered by its server) hands its bytes over
 * untouched: they wait in a file of the work directory, a CSV writer of the canonical dialect takes them
 * as they are (a hard link where the file system allows), a database loader streams them, and only a
 * query parses them (runtime/data-plane/canonical-csv-outputs.ts). Drivers never see these files.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { copyFile, link, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import type {
  CanonicalCsvStream,
  ColumnInfo,
  CsvProducer,
  ExportTarget,
  StreamedTable,
} from '../../core/data-plane.js';
import { OsirisError } from '../../core/errors.js';
import type { LiveOutput } from './live-canonical-output.js';
import {
  createLiveOutput,
  createLiveSink,
  describeInputFailure,
  tailLiveFile,
} from './live-canonical-output.js';

/** One kept file. */
export interface KeptCanonicalFile {
  /** Absolute path (in the run's work directory). */
  path: string;
  /** Length in bytes of its header line, newline included: the rows start there. */
  headerBytes: number;
  /** Its columns with their data-plane types. */
  columns: ColumnInfo[];
  /** Its rows, as the producer counted them (0 while the producer still writes). */
  rows: number;
  /** Set while the producer still writes it (a streamed hand-over). */
  live?: LiveOutput;
}

/** Step id → kept file, with the shortcuts that use the bytes as they are. */
export interface CanonicalFileRegistry {
  /** The kept file of a step, if its output is kept as one. */
  get(stepId: string): KeptCanonicalFile | undefined;
  /** Every kept file, by step id. */
  entries(): IterableIterator<[string, KeptCanonicalFile]>;
  /** Keep a file as a step's output (the registry owns it from now on). */
  keep(stepId: string, file: KeptCanonicalFile): void;
  /** Stop keeping a step's file (a query parsed it into a table and removed it). */
  forget(stepId: string): void;
  /**
   * The export shortcut: a kept file written to a CSV target of the canonical dialect (`,` and `"`)
   * without a pass through DuckDB. Undefined when it does not apply.
   */
  exportKept(stepId: string, target: ExportTarget): Promise<number> | undefined;
  /** The kept file's rows (no header) as a byte stream, when the step's output is kept as one. */
  streamKept(stepId: string): AsyncIterable<Buffer> | undefined;
  /** Remove every kept file (the data plane closes). */
  removeAll(): Promise<void>;
  /**
   * Announce that a step's output is coming (before the step and its consumer start): readers of it
   * wait until it is a live file, a table, or failed.
   */
  expect(stepId: string): void;
  /** Whether a step's output was announced and its producer has not yet written a live file. */
  isComing(stepId: string): boolean;
  /** The step that produces a coming output finished (`error` when it failed). */
  settle(stepId: string, error?: unknown): void;
  /** A coming output is readable before its producer finished (a pass-through file still being scanned). */
  markReady(stepId: string): void;
  /** Resolves once a coming output is a live file or a table; throws the producer's failure. */
  whenReady(stepId: string): Promise<void>;
  /** Resolves once a coming output is complete; throws the producer's failure. */
  whenSettled(stepId: string): Promise<void>;
  /** Stop the producer of a live file (its consumer failed): its writing fails with `reason`. */
  stopLive(stepId: string, reason: Error): void;
  /** Keep a file its producer is still writing (readers tail it); the step's output is ready. */
  startLive(stepId: string, file: KeptCanonicalFile & { live: LiveOutput }): void;
}

/** A coming output: announced, not yet settled. */
interface Coming {
  /** Resolves when the live file exists or the step settled. */
  ready: Promise<void>;
  /** Resolves when the step settled. */
  settled: Promise<void>;
  markReady(): void;
  markSettled(): void;
  /** The step's failure, once it failed. */
  error: unknown;
  /** The live output, once the producer opened its file. */
  live?: LiveOutput;
}

function createComing(): Coming {
  let markReady = (): void => undefined;
  let markSettled = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const settled = new Promise<void>((resolve) => (markSettled = resolve));
  return { ready, settled, markReady, markSettled, error: undefined };
}

const READ_CHUNK_BYTES = 1 << 20;

/** A new, empty registry. */
export function createCanonicalFileRegistry(): CanonicalFileRegistry {
  const files = new Map<string, KeptCanonicalFile>();
  const coming = new Map<string, Coming>();
  const check = (stepId: string): void => {
    const c = coming.get(stepId);
    if (c?.error !== undefined) throw describeInputFailure(stepId, c.error);
  };
  return {
    get: (stepId) => files.get(stepId),
    entries: () => files.entries(),
    keep: (stepId, file) => void files.set(stepId, file),
    forget: (stepId) => void files.delete(stepId),
    exportKept(stepId, target) {
      const file = files.get(stepId);
      if (!file || target.format !== 'csv' || target.delimiter !== ',' || target.quote !== '"') return;
      return copyKeptFile(file, target.path, target.header).catch((error: unknown) => {
        throw new OsirisError('io_error', `writing ${target.path}: ${(error as Error).message}`, {
          where: stepId,
          cause: error,
        });
      });
    },
    streamKept(stepId) {
      const file = files.get(stepId);
      if (!file) return;
      if (file.live && !file.live.done) return tailLiveFile(file.path, file.headerBytes, file.live, stepId);
      return createReadStream(file.path, { start: file.headerBytes, highWaterMark: READ_CHUNK_BYTES });
    },
    async removeAll() {
      for (const file of files.values()) await rm(file.path, { force: true });
      files.clear();
    },
    expect(stepId) {
      if (!coming.has(stepId)) coming.set(stepId, createComing());
    },
    isComing: (stepId) => {
      const c = coming.get(stepId);
      return c !== undefined && c.live === undefined && c.error === undefined;
    },
    settle(stepId, error) {
      const c = coming.get(stepId);
      if (!c) return;
      if (error !== undefined && c.error === undefined) {
        c.error = error;
        if (c.live && !c.live.done) {
          c.live.error = error;
          c.live.notify();
        }
      }
      c.markReady();
      c.markSettled();
    },
    markReady: (stepId) => coming.get(stepId)?.markReady(),
    async whenReady(stepId) {
      await coming.get(stepId)?.ready;
      check(stepId);
    },
    async whenSettled(stepId) {
      await coming.get(stepId)?.settled;
      check(stepId);
    },
    stopLive(stepId, reason) {
      const live = files.get(stepId)?.live;
      if (live && !live.done) live.stop(reason);
    },
    startLive(stepId, file) {
      const c = coming.get(stepId) ?? createComing();
      coming.set(stepId, c);
      c.live = file.live;
      files.set(stepId, file);
      c.markReady();
    },
  };
}

/**
 * With a header, the file is the output as it is: hard-linked where the file system allows (no byte is
 * copied), else copied. Without, the rows after its header line are copied.
 */
async function copyKeptFile(file: KeptCanonicalFile, target: string, header: boolean): Promise<number> {
  if (header) {
    await link(file.path, target).catch(() => copyFile(file.path, target));
    return file.rows;
  }
  await pipeline(
    createReadStream(file.path, { start: file.headerBytes, highWaterMark: READ_CHUNK_BYTES }),
    createWriteStream(target),
  );
  return file.rows;
}

/**
 * Write a canonical stream to a new file in `workDir`: the header line a CSV writer would write (so
 * that writer can take the whole file as its output), then the producer's rows. A failed producer
 * leaves no file.
 */
export async function writeCanonicalFile(
  workDir: string,
  stepId: string,
  columns: ColumnInfo[],
  produce: CsvProducer,
  canonical: CanonicalCsvStream,
): Promise<{ file: KeptCanonicalFile } & Pick<StreamedTable, 'rowsProduced'>> {
  const path = join(workDir, `extract-${stepId}-${randomUUID()}.csv`);
  try {
    const out = createWriteStream(path);
    out.on('error', () => undefined);
    if (!out.write(canonical.header)) await once(out, 'drain');
    const rowsProduced = await produce(out);
    if (!out.writableFinished) await finished(out);
    const headerBytes = Buffer.byteLength(canonical.header);
    return { file: { path, headerBytes, columns, rows: rowsProduced }, rowsProduced };
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/**
 * Write a coming output's canonical stream (see writeCanonicalFile) into a file that readers tail while
 * it grows: the registry keeps it from its first byte, as a live file, and as an ordinary kept file once
 * the producer finished. A failed producer fails the readers and leaves no file.
 */
export async function writeLiveCanonicalFile(
  kept: CanonicalFileRegistry,
  workDir: string,
  stepId: string,
  columns: ColumnInfo[],
  produce: CsvProducer,
  canonical: CanonicalCsvStream,
): Promise<{ file: KeptCanonicalFile } & Pick<StreamedTable, 'rowsProduced'>> {
  const path = join(workDir, `extract-${stepId}-${randomUUID()}.csv`);
  const headerBytes = Buffer.byteLength(canonical.header);
  const live = createLiveOutput();
  const out = createLiveSink(path, live);
  // a stopped producer fails at once, even one that waits on its source (a destroyed connection's
  // result stream may never end)
  let reject: (reason: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, r) => (reject = r));
  stopped.catch(() => undefined);
  const destroySink = live.stop;
  live.stop = (reason) => {
    destroySink(reason);
    reject(reason);
  };
  kept.startLive(stepId, { path, headerBytes, columns, rows: 0, live });
  try {
    out.on('error', () => undefined);
    const writing = async (): Promise<number> => {
      if (!out.write(canonical.header)) await once(out, 'drain');
      const rows = await produce(out);
      if (!out.writableFinished) await finished(out);
      return rows;
    };
    const rowsProduced = await Promise.race([writing(), stopped]);
    const file = { path, headerBytes, columns, rows: rowsProduced };
    kept.keep(stepId, file);
    live.done = true;
    live.notify();
    return { file, rowsProduced };
  } catch (error) {
    out.destroy();
    kept.forget(stepId);
    kept.settle(stepId, error);
    live.error ??= error;
    live.notify();
    rmSync(path, { force: true });
    throw error;
  }
}
