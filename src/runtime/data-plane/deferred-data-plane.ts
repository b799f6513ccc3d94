/**
 * A data plane that opens DuckDB only when a step needs it. Outputs handed over as canonical CSV files
 * wait outside it until then (in the one registry of kept files, which the DuckDB plane takes over as
 * it opens), so a run whose steps only hand files to writers (a table extracted into a CSV file) never
 * loads DuckDB's native library and creates no database (~0.15 s of every such run).
 */
import type {
  CanonicalCsvStream,
  ColumnInfo,
  CsvProducer,
  ReadTextOptions,
  StreamedTable,
} from '../../core/data-plane.js';
import type { CanonicalFileRegistry, KeptCanonicalFile } from './canonical-file-registry.js';
import {
  createCanonicalFileRegistry,
  writeCanonicalFile,
  writeLiveCanonicalFile,
} from './canonical-file-registry.js';
import type { DuckDbDataPlane, DuckDbDataPlaneOptions } from './duckdb-data-plane.js';
import { exportCsvStream } from './export-csv-stream.js';
import { describePassThrough } from './keep-pass-through-csv.js';
import { createPassThroughOutputs } from './pass-through-outputs.js';
import type { PassThroughOutputs } from './pass-through-outputs.js';
import { parseCanonicalRows } from './parse-canonical-rows.js';
import { makeDirectory } from '../../core/make-directory.js';

/** Opens the DuckDB data plane (loading its module when it is first needed). */
export type DuckDbOpener = (options: DuckDbDataPlaneOptions) => Promise<DuckDbDataPlane>;

/** What the deferred plane's helpers see of it. */
interface DeferredState {
  kept: CanonicalFileRegistry;
  workDir: string;
  /** Whether DuckDB is open (or opening). */
  opening: () => boolean;
  engine: () => Promise<DuckDbDataPlane>;
}

/**
 * A producer's CSV: a coming output into a live kept file (readers tail it), a canonical one into a
 * kept file while DuckDB is closed, anything else into DuckDB.
 */
async function handOver(
  d: DeferredState,
  stepId: string,
  columns: ColumnInfo[],
  produce: CsvProducer,
  canonical: CanonicalCsvStream | undefined,
): Promise<StreamedTable> {
  if (canonical && d.kept.isComing(stepId)) {
    const { file, rowsProduced } = await writeLiveCanonicalFile(
      d.kept,
      d.workDir,
      stepId,
      columns,
      produce,
      canonical,
    );
    // DuckDB opened meanwhile: queries read the file through a view, as every kept file's
    if (d.opening()) await (await d.engine()).adoptKeptFile(stepId);
    return { table: { name: stepId, columns, rows: file.rows }, rowsProduced };
  }
  if (d.opening() || !canonical)
    return (await d.engine()).createFromCsvStream(stepId, columns, produce, canonical);
  const { file, rowsProduced } = await writeCanonicalFile(d.workDir, stepId, columns, produce, canonical);
  d.kept.keep(stepId, file);
  return { table: { name: stepId, columns, rows: file.rows }, rowsProduced };
}

/** Text rows: a streamed hand-over's as they are written (the text is canonical already), else DuckDB's once complete. */
async function* readTextOf(
  kept: CanonicalFileRegistry,
  engine: () => Promise<DuckDbDataPlane>,
  stepId: string,
  read: ReadTextOptions | undefined,
): AsyncGenerator<(string | null)[][]> {
  await kept.whenReady(stepId);
  const tail = kept.get(stepId)?.live?.done === false ? kept.streamKept(stepId) : undefined;
  if (tail && read?.offset === undefined && read?.columns === undefined) {
    yield* parseCanonicalRows(tail, read?.chunkRows ?? 2048, stepId);
    return;
  }
  await kept.whenSettled(stepId);
  yield* (await engine()).readText(stepId, read);
}

/** The run's data plane: the DuckDB plane's operations, and outputs announced as coming (streamed hand-overs). */
export interface RunDataPlane extends DuckDbDataPlane {
  /**
   * A step's output is coming: until its producer wrote a live canonical file (or settled), `describe`
   * and `exportCsvStream` of it wait; every other read waits until it settled.
   */
  expectOutput(stepId: string): void;
  /** The producer of a coming output finished; `error` when it failed (its readers throw it). */
  settleOutput(stepId: string, error?: unknown): void;
  /** Stop the producer of a coming output (its consumer failed): its writing fails with `reason`. */
  stopOutput(stepId: string, reason: Error): void;
  /** A CSV extractor's output may stay its file, unparsed: every consumer loads it with its own loader. */
  allowPassThrough(stepId: string): void;
}

/** A kept output while DuckDB is closed (or a live one): what the registry alone can answer. */
function findWaiting(
  kept: CanonicalFileRegistry,
  stepId: string,
  opening: boolean,
): KeptCanonicalFile | undefined {
  const file = kept.get(stepId);
  return opening && !file?.live ? undefined : file;
}

/** The run's data plane before pass-through outputs are bound (bindPassThrough). */
type PlainRunDataPlane = Omit<RunDataPlane, 'passThroughOf' | 'loadTyped' | 'allowPassThrough'>;

/** A DuckDbDataPlane that calls `open` on the first operation that needs DuckDB (the work dir exists at once). */
export async function createDeferredDataPlane(
  options: DuckDbDataPlaneOptions,
  open: DuckDbOpener,
): Promise<RunDataPlane> {
  makeDirectory(options.workDir);
  const kept = options.canonicalFiles ?? createCanonicalFileRegistry();
  let opening: Promise<DuckDbDataPlane> | undefined;
  let opened: DuckDbDataPlane | undefined;
  let interrupted = false;
  const aborter = new AbortController();
  const engine = (): Promise<DuckDbDataPlane> => {
    opening ??= open({ ...options, canonicalFiles: kept }).then((plane) => {
      // an interrupt while DuckDB was opening must still stop the statement this open was for
      if (interrupted) plane.interrupt();
      return (opened = plane);
    });
    return opening;
  };

  const plane: PlainRunDataPlane = {
    async createFromQuery(stepId, sql, inputs) {
      // a query reads its inputs whole: a coming one must be complete
      for (const from of Object.values(inputs)) await kept.whenSettled(from);
      return (await engine()).createFromQuery(stepId, sql, inputs);
    },
    createFromCsv: async (stepId, csv) => (await engine()).createFromCsv(stepId, csv),
    createFromRows: async (stepId, columns, rows) => (await engine()).createFromRows(stepId, columns, rows),
    createFromCsvStream: (stepId, columns, produce, canonical) =>
      handOver(
        { kept, workDir: options.workDir, opening: () => !!opening, engine },
        stepId,
        columns,
        produce,
        canonical,
      ),
    async describe(stepId) {
      await kept.whenReady(stepId);
      const file = findWaiting(kept, stepId, !!opening);
      if (file?.live && !file.live.done)
        return { name: stepId, columns: file.columns, rows: file.rows, streaming: true };
      if (file) return { name: stepId, columns: file.columns, rows: file.rows };
      return (await engine()).describe(stepId);
    },
    readText: (stepId, read) => readTextOf(kept, engine, stepId, read),
    async canExport(stepId, format) {
      await kept.whenReady(stepId);
      return findWaiting(kept, stepId, !!opening) !== undefined || (await engine()).canExport(stepId, format);
    },
    async export(stepId, target) {
      await kept.whenSettled(stepId);
      if (!opening) {
        const shortcut = kept.exportKept(stepId, target);
        if (shortcut) return shortcut;
      }
      return (await engine()).export(stepId, target);
    },
    async *exportCsvStream(stepId) {
      await kept.whenReady(stepId);
      yield* exportCsvStream(options.workDir, stepId, kept, (target) => plane.export(stepId, target));
    },
    sniffCsv: async (file, reader, names) => (await engine()).sniffCsv(file, reader, names),
    expectOutput: (stepId) => kept.expect(stepId),
    settleOutput: (stepId, error) => kept.settle(stepId, error),
    stopOutput: (stepId, reason) => kept.stopLive(stepId, reason),
    adoptKeptFile: async (stepId) => (await engine()).adoptKeptFile(stepId),
    interrupt() {
      interrupted = true;
      aborter.abort();
      opened?.interrupt();
    },
    async close() {
      const closing = await opening?.catch(() => undefined);
      await closing?.close();
      await kept.removeAll();
    },
  };
  return bindPassThrough(plane, createPassThroughOutputs(engine, aborter.signal), kept);
}

/**
 * The plane with CSV extractor outputs that may pass through: an allowed one stays its file (readers
 * that load it themselves ask `passThroughOf`); any reader that needs typed rows parses it first, once.
 */
function bindPassThrough(
  plane: PlainRunDataPlane,
  passing: PassThroughOutputs,
  kept: CanonicalFileRegistry,
): RunDataPlane {
  const typed = (stepId: string): Promise<void> => passing.parse(stepId);
  return {
    ...plane,
    // a streamed writer may start as soon as the file is kept (it reads what the scan checked)
    createFromCsv: (stepId, csv) =>
      passing.ingest(stepId, csv, () => kept.markReady(stepId), kept.isComing(stepId)),
    async createFromQuery(stepId, sql, inputs) {
      for (const from of Object.values(inputs)) await typed(from);
      return plane.createFromQuery(stepId, sql, inputs);
    },
    async describe(stepId) {
      await kept.whenReady(stepId);
      const through = passing.keptOf(stepId);
      return through ? describePassThrough(stepId, through.csv, through.rows) : plane.describe(stepId);
    },
    async *readText(stepId, read) {
      await typed(stepId);
      yield* plane.readText(stepId, read);
    },
    canExport: async (stepId, format) => (await typed(stepId), plane.canExport(stepId, format)),
    export: async (stepId, target) => (await typed(stepId), plane.export(stepId, target)),
    async *exportCsvStream(stepId) {
      await typed(stepId);
      yield* plane.exportCsvStream(stepId);
    },
    async passThroughOf(stepId) {
      await kept.whenReady(stepId);
      return passing.outcomeOf(stepId);
    },
    loadTyped: async (stepId) => (await typed(stepId), plane.describe(stepId)),
    allowPassThrough: (stepId) => passing.allow(stepId),
    stopOutput(stepId, reason) {
      passing.stop(stepId, reason);
      plane.stopOutput(stepId, reason);
    },
  };
}
