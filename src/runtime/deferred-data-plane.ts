/**
 * A data plane that opens DuckDB only when a step needs it. Outputs handed over as canonical CSV files
 * wait outside it until then, so a run whose steps only hand files to writers (a table extracted into a
 * CSV file) never loads DuckDB's native library and creates no database (~0.15 s of every such run).
 */
import { mkdir, rm } from 'node:fs/promises';
import type {
  CanonicalCsvFile,
  ColumnInfo,
  CsvReadOptions,
  ReadTextOptions,
  TableInfo,
} from '../core/data-plane.js';
import { OsirisError } from '../core/errors.js';
import type { CanonicalCsvOutput } from './canonical-csv-outputs.js';
import { copyCanonicalCsv } from './canonical-csv-outputs.js';
import type { DuckDbDataPlane, DuckDbDataPlaneOptions } from './duckdb-data-plane.js';

/** Opens the DuckDB data plane (loading its module when it is first needed). */
export type DuckDbOpener = (options: DuckDbDataPlaneOptions) => Promise<DuckDbDataPlane>;

/** A DuckDbDataPlane that calls `open` on the first operation that needs DuckDB (the work dir exists at once). */
export async function createDeferredDataPlane(
  options: DuckDbDataPlaneOptions,
  open: DuckDbOpener,
): Promise<DuckDbDataPlane> {
  await mkdir(options.workDir, { recursive: true });
  const waiting = new Map<string, CanonicalCsvOutput>();
  let opening: Promise<DuckDbDataPlane> | undefined;
  let opened: DuckDbDataPlane | undefined;

  const engine = (): Promise<DuckDbDataPlane> => {
    opening ??= (async () => {
      const plane = await open(options);
      for (const [stepId, output] of waiting) {
        const { path, headerBytes, columns, rows } = output;
        await plane.createFromCanonicalCsv(stepId, columns, { path, headerBytes }, rows);
      }
      waiting.clear();
      opened = plane;
      return plane;
    })();
    return opening;
  };

  return {
    createFromQuery: async (stepId, sql, inputs) => (await engine()).createFromQuery(stepId, sql, inputs),
    createFromCsv: async (stepId, csv: CsvReadOptions) => (await engine()).createFromCsv(stepId, csv),
    createFromRows: async (stepId, columns, rows) => (await engine()).createFromRows(stepId, columns, rows),
    async createFromCanonicalCsv(
      stepId: string,
      columns: ColumnInfo[],
      file: CanonicalCsvFile,
      rows: number,
    ): Promise<TableInfo> {
      if (opening) return (await engine()).createFromCanonicalCsv(stepId, columns, file, rows);
      waiting.set(stepId, { ...file, columns, rows });
      return { name: stepId, columns, rows };
    },
    canonicalCsvFile(stepId) {
      const output = waiting.get(stepId);
      return output
        ? { path: output.path, headerBytes: output.headerBytes }
        : opened?.canonicalCsvFile(stepId);
    },
    async describe(stepId) {
      const output = waiting.get(stepId);
      if (output && !opening) return { name: stepId, columns: output.columns, rows: output.rows };
      return (await engine()).describe(stepId);
    },
    async *readText(stepId: string, read?: ReadTextOptions) {
      yield* (await engine()).readText(stepId, read);
    },
    async copyToCsv(stepId, path, csv) {
      const output = waiting.get(stepId);
      if (output && !opening && csv.delimiter === ',' && csv.quote === '"') {
        return copyCanonicalCsv(output, path, csv.header).catch((error: unknown) => {
          throw new OsirisError('io_error', `writing ${path}: ${(error as Error).message}`, {
            where: stepId,
            cause: error,
          });
        });
      }
      return (await engine()).copyToCsv(stepId, path, csv);
    },
    interrupt() {
      opened?.interrupt();
    },
    async close() {
      const plane = await opening?.catch(() => undefined);
      await plane?.close();
      for (const output of waiting.values()) await rm(output.path, { force: true });
    },
  };
}
