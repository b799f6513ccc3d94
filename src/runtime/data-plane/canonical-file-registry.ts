/**
 * The one registry of step outputs kept as canonical CSV files, shared by the deferred and the DuckDB
 * data plane. An extractor whose server renders the canonical forms itself hands its bytes over
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

/** One kept file. */
export interface KeptCanonicalFile {
  /** Absolute path (in the run's work directory). */
  path: string;
  /** Length in bytes of its header line, newline included: the rows start there. */
  headerBytes: number;
  /** Its columns with their data-plane types. */
  columns: ColumnInfo[];
  /** Its rows, as the producer counted them. */
  rows: number;
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
}

const READ_CHUNK_BYTES = 1 << 20;

/** A new, empty registry. */
export function createCanonicalFileRegistry(): CanonicalFileRegistry {
  const files = new Map<string, KeptCanonicalFile>();
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
      return createReadStream(file.path, { start: file.headerBytes, highWaterMark: READ_CHUNK_BYTES });
    },
    async removeAll() {
      for (const file of files.values()) await rm(file.path, { force: true });
      files.clear();
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
