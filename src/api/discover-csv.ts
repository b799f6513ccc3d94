// `discoverCsv`: a CSV file as `filesystem.csv_extractor` reads it. The extractor itself runs against a
// scratch data plane (the same strict byte scan, type sniffing and DuckDB read as a run), so the dialect,
// the column types and every refusal (file:line) are exactly the extractor's. Nothing is cached: the
// file is the source of truth and reading it is what a cache would save.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DiscoveredColumn } from '../core/discovery.js';
import { maskSampleRows } from '../core/discovery.js';
import type { DriverModule, DriverTable, StepContext } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import type { DuckDbDataPlane } from '../runtime/data-plane/index.js';
import { DISCOVERY_DEFAULTS } from './discover-connection.js';
import { createDriverTable } from './driver-table.js';

const EXTRACTOR = 'filesystem.csv_extractor';
/** The scratch step's table name; never shown (messages lose the `where` prefix it would add). */
const STEP_ID = 'discover';
const DIALECT_KEYS = ['delimiter', 'quote', 'escape', 'header', 'encoding', 'null_string'] as const;

/** The extractor's dialect config keys. */
export interface CsvDialectConfig {
  delimiter: string;
  quote: string;
  escape: string;
  header: boolean;
  encoding: string;
  null_string: string;
}

/** Which file, read how. */
export interface DiscoverCsvOptions {
  /** The CSV file (relative to cwd). */
  file: string;
  /** Current directory. */
  cwd: string;
  /** Dialect keys as a pipeline would give them to the extractor; the extractor's defaults otherwise. */
  dialect?: Partial<CsvDialectConfig>;
  /** Sample rows (default 5; 0 for none). */
  sample?: number;
  /** Data-plane memory limit (default 256MB). */
  memoryLimit?: string;
  /** Bound drivers (default: createDriverTable()); the extractor is taken from here. */
  drivers?: DriverTable;
}

/** A CSV file as the extractor reads it. */
export interface DiscoveredCsv {
  /** Absolute path. */
  file: string;
  /** The dialect the extractor reads it with. */
  dialect: CsvDialectConfig;
  /** Records loaded (exact: the extractor checks DuckDB's count against its own scan). */
  rows: number;
  /** Columns in file order with their data-plane types. */
  columns: DiscoveredColumn[];
  /** Up to `sample` rows as text (NULL as null); secret-looking columns masked. */
  sample: (string | null)[][];
  /** A likely other delimiter when the file reads as one column whose header holds it. */
  hint?: string;
}

/** Delimiters a one-column read often hides (the extractor never guesses: a run reads one column too). */
const OTHER_DELIMITERS = [';', '\t', '|'];

function suggestDelimiter(
  columns: readonly { name: string }[],
  dialect: CsvDialectConfig,
): string | undefined {
  const only = columns.length === 1 && dialect.header ? columns[0]?.name : undefined;
  const found = OTHER_DELIMITERS.find((d) => d !== dialect.delimiter && only?.includes(d));
  if (found === undefined) return undefined;
  const shown = found === '\t' ? "$'\\t'" : `'${found}'`;
  return `the file reads as one column whose name holds ${JSON.stringify(found)}: if that is the delimiter, give --delimiter ${shown} (config.delimiter)`;
}

/** The extractor's dialect: its spec's defaults under the keys given. */
function readDialect(module: DriverModule, given: Partial<CsvDialectConfig>): CsvDialectConfig {
  const properties = (module.spec.configSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  const dialect = DIALECT_KEYS.map((key) => [key, given[key] ?? properties[key]?.default] as const);
  return Object.fromEntries(dialect) as unknown as CsvDialectConfig;
}

function createScratchContext(dataPlane: DuckDbDataPlane, workDir: string, cwd: string): StepContext {
  const quiet = (): void => undefined;
  return {
    stepId: STEP_ID,
    projectDir: cwd,
    artifactsDir: join(workDir, 'artifacts'),
    workDir,
    dataPlane,
    emit: quiet,
    recordArtifact: quiet,
    signal: new AbortController().signal,
    log: { info: quiet, debug: quiet, warn: quiet },
  };
}

/** The extractor's errors name the step (`discover: …`); discovery has none, so the prefix goes. */
function dropStepPrefix(error: unknown): unknown {
  if (!(error instanceof OsirisError) || error.where !== STEP_ID) return error;
  return new OsirisError(error.code, error.message.slice(`${STEP_ID}: `.length), { cause: error });
}

async function readSample(plane: DuckDbDataPlane, sample: number): Promise<(string | null)[][]> {
  if (sample <= 0) return [];
  for await (const chunk of plane.readText(STEP_ID, { chunkRows: sample })) return chunk.slice(0, sample);
  return [];
}

/**
 * Read a CSV file as `filesystem.csv_extractor` would. Throws its errors: io_error with file:line for
 * a malformed file, config_error for a bad dialect, usage for a bad sample size.
 */
export async function discoverCsv(options: DiscoverCsvOptions): Promise<DiscoveredCsv> {
  const sample = options.sample ?? DISCOVERY_DEFAULTS.sample;
  if (!Number.isInteger(sample) || sample < 0)
    throw new OsirisError('usage', `--sample expects a whole number ≥ 0, got '${String(sample)}'`);
  const module = (options.drivers ?? createDriverTable()).get(EXTRACTOR);
  if (!module) throw new OsirisError('internal', `${EXTRACTOR} is not bound in the driver table`);
  const file = resolve(options.cwd, options.file);
  const dialect = readDialect(module, options.dialect ?? {});
  const workDir = await mkdtemp(join(tmpdir(), 'osiris-discover-'));
  // DuckDB's native module loads only here, as a run's first data-plane step would load it
  const { createDuckDbDataPlane } = await import('../runtime/data-plane/duckdb-data-plane.js');
  const plane = await createDuckDbDataPlane({
    workDir,
    memoryLimit: options.memoryLimit ?? '256MB',
    threads: 1,
  });
  try {
    const ctx = createScratchContext(plane, workDir, options.cwd);
    const config: Record<string, unknown> = { path: file, ...dialect };
    const result = await module
      .create()
      .run({ config, connection: undefined, inputs: {}, ctx })
      .catch((error: unknown) => {
        throw dropStepPrefix(error);
      });
    const table = await plane.describe(STEP_ID);
    const columns = table.columns.map((c) => ({ name: c.name, type: c.type }));
    const rows = maskSampleRows(columns, await readSample(plane, sample), (text) => text);
    const hint = suggestDelimiter(columns, dialect);
    return {
      file,
      dialect,
      rows: result.rowsRead ?? table.rows,
      columns,
      sample: rows,
      ...(hint ? { hint } : {}),
    };
  } finally {
    await plane.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
