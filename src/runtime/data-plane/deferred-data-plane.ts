/**
 * A data plane that opens DuckDB only when a step needs it. Outputs handed over as canonical CSV files
 * wait outside it until then (in the one registry of kept files, which the DuckDB plane takes over as
 * it opens), so a run whose steps only hand files to writers (a table extracted into a CSV file) never
 * loads DuckDB's native library and creates no database (~0.15 s of every such run).
 */
import { mkdir } from 'node:fs/promises';
import type { ReadTextOptions } from '../../core/data-plane.js';
import type { KeptCanonicalFile } from './canonical-file-registry.js';
import { createCanonicalFileRegistry, writeCanonicalFile } from './canonical-file-registry.js';
import type { DuckDbDataPlane, DuckDbDataPlaneOptions } from './duckdb-data-plane.js';
import { exportCsvStream } from './export-csv-stream.js';

/** Opens the DuckDB data plane (loading its module when it is first needed). */
export type DuckDbOpener = (options: DuckDbDataPlaneOptions) => Promise<DuckDbDataPlane>;

/** A DuckDbDataPlane that calls `open` on the first operation that needs DuckDB (the work dir exists at once). */
export async function createDeferredDataPlane(
  options: DuckDbDataPlaneOptions,
  open: DuckDbOpener,
): Promise<DuckDbDataPlane> {
  await mkdir(options.workDir, { recursive: true });
  const kept = options.canonicalFiles ?? createCanonicalFileRegistry();
  let opening: Promise<DuckDbDataPlane> | undefined;
  let opened: DuckDbDataPlane | undefined;
  let interrupted = false;
  const engine = (): Promise<DuckDbDataPlane> => {
    opening ??= open({ ...options, canonicalFiles: kept }).then((plane) => {
      // an interrupt while DuckDB was opening must still stop the statement this open was for
      if (interrupted) plane.interrupt();
      return (opened = plane);
    });
    return opening;
  };
  /** A kept output while DuckDB is closed: what the registry alone can answer. */
  const waiting = (stepId: string): KeptCanonicalFile | undefined => (opening ? undefined : kept.get(stepId));

  const plane: DuckDbDataPlane = {
    createFromQuery: async (stepId, sql, inputs) => (await engine()).createFromQuery(stepId, sql, inputs),
    createFromCsv: async (stepId, csv) => (await engine()).createFromCsv(stepId, csv),
    createFromRows: async (stepId, columns, rows) => (await engine()).createFromRows(stepId, columns, rows),
    async createFromCsvStream(stepId, columns, produce, canonical) {
      if (opening || !canonical)
        return (await engine()).createFromCsvStream(stepId, columns, produce, canonical);
      const { file, rowsProduced } = await writeCanonicalFile(
        options.workDir,
        stepId,
        columns,
        produce,
        canonical,
      );
      kept.keep(stepId, file);
      return { table: { name: stepId, columns, rows: file.rows }, rowsProduced };
    },
    async describe(stepId) {
      const file = waiting(stepId);
      if (file) return { name: stepId, columns: file.columns, rows: file.rows };
      return (await engine()).describe(stepId);
    },
    async *readText(stepId: string, read?: ReadTextOptions) {
      yield* (await engine()).readText(stepId, read);
    },
    async canExport(stepId, format) {
      return waiting(stepId) !== undefined || (await engine()).canExport(stepId, format);
    },
    async export(stepId, target) {
      if (!opening) {
        const shortcut = kept.exportKept(stepId, target);
        if (shortcut) return shortcut;
      }
      return (await engine()).export(stepId, target);
    },
    exportCsvStream: (stepId) =>
      exportCsvStream(options.workDir, stepId, kept, (target) => plane.export(stepId, target)),
    interrupt() {
      interrupted = true;
      opened?.interrupt();
    },
    async close() {
      const closing = await opening?.catch(() => undefined);
      await closing?.close();
      await kept.removeAll();
    },
  };
  return plane;
}
