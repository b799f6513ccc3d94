import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { ComponentSpec } from '../../core/component-spec.js';
import type { ColumnInfo, CsvReadOptions, TableInfo } from '../../core/data-plane.js';
import type { Driver, DriverModule, DriverRequest, DriverResult, StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';
import { DUCKDB_DEPENDENCY } from '../sql/duckdb-dependency.js';
import {
  PARSE_DATES_PROPERTY,
  applyParseDates,
  explainParseDatesError,
  loadDetectedWithParseDates,
} from './csv-parse-dates.js';
import { FILESYSTEM_CONNECTION_PROPERTY, resolveStepFile } from '../sql/filesystem-connection.js';

/** Encodings the extractor reads (UTF-16 byte order comes from the BOM, else little-endian). */
export const CSV_READ_ENCODINGS = ['utf-8', 'utf-16', 'latin-1'] as const;

/** JSON Schema of an explicit column list: name and DuckDB SQL type, in file order. */
export const COLUMN_LIST_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'type'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Column name.' },
      type: {
        type: 'string',
        minLength: 1,
        description: 'DuckDB SQL type, e.g. INTEGER, DECIMAL(12,2), TIMESTAMP, JSON.',
      },
    },
  },
} as const;

export const csvExtractorSpec: ComponentSpec = {
  name: 'filesystem.csv_extractor',
  version: '0.1.0',
  title: 'Read a CSV file into the data plane',
  modes: ['read'],
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          'CSV file; a relative path resolves against the project directory, or against base_dir with connection.',
      },
      connection: FILESYSTEM_CONNECTION_PROPERTY,
      delimiter: {
        type: 'string',
        minLength: 1,
        maxLength: 1,
        default: ',',
        description: 'Field delimiter: one ASCII character other than CR, LF and NUL.',
      },
      header: {
        type: 'boolean',
        default: true,
        description:
          'Whether the first line holds the column names (distinct, non-empty, else give columns).',
      },
      quote: {
        type: 'string',
        maxLength: 1,
        default: '"',
        description: 'Quote character, not the delimiter (empty: no quoting, quotes are data).',
      },
      escape: {
        type: 'string',
        maxLength: 1,
        default: '"',
        description:
          'Escape character inside quotes (default: the quote, doubled); it may only precede the quote or itself.',
      },
      encoding: {
        type: 'string',
        enum: [...CSV_READ_ENCODINGS],
        default: 'utf-8',
        description: 'File encoding.',
      },
      null_string: {
        type: 'string',
        default: '',
        description: 'Unquoted text read as NULL; quoted text is never NULL.',
      },
      columns: {
        ...COLUMN_LIST_SCHEMA,
        description: 'Explicit columns and types; without it types are detected (see docs).',
      },
      parse_dates: PARSE_DATES_PROPERTY,
    },
  },
  secrets: [],
  connectionFamilies: ['filesystem'],
  pathKeys: ['path'],
  runtimeDependencies: [DUCKDB_DEPENDENCY],
  passThrough: 'source',
  // a database writer that reads the kept file starts with the extractor (it sends what the scan checked)
  handover: { streams: true },
  example: {
    path: 'data/movies.csv',
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'title', type: 'VARCHAR' },
      { name: 'budget_usd', type: 'DECIMAL(12,2)' },
    ],
  },
};

interface CsvExtractorConfig {
  path: string;
  delimiter: string;
  header: boolean;
  quote: string;
  escape: string;
  encoding: string;
  null_string: string;
  columns?: ColumnInfo[];
  parse_dates?: string[];
}

function readConfig(config: Record<string, unknown>): CsvExtractorConfig {
  const path = config['path'];
  if (typeof path !== 'string' || path === '')
    throw new OsirisError('config_error', 'config.path must be a non-empty string');
  return {
    path,
    delimiter: typeof config['delimiter'] === 'string' ? config['delimiter'] : ',',
    header: typeof config['header'] === 'boolean' ? config['header'] : true,
    quote: typeof config['quote'] === 'string' ? config['quote'] : '"',
    escape: typeof config['escape'] === 'string' ? config['escape'] : '"',
    encoding: typeof config['encoding'] === 'string' ? config['encoding'] : 'utf-8',
    null_string: typeof config['null_string'] === 'string' ? config['null_string'] : '',
    columns: Array.isArray(config['columns']) ? (config['columns'] as ColumnInfo[]) : undefined,
    parse_dates: Array.isArray(config['parse_dates']) ? (config['parse_dates'] as string[]) : undefined,
  };
}

async function checkReadable(path: string, shown: string, stepId: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OsirisError('io_error', `cannot read CSV file ${path} (${shown}): ${reason}`, {
      where: stepId,
      cause: error,
    });
  }
}

/** The file into the step's table: explicit columns (parse_dates applied), or detected types. */
async function loadCsv(
  ctx: StepContext,
  options: CsvReadOptions,
  cfg: CsvExtractorConfig,
): Promise<TableInfo> {
  const parseDates = cfg.parse_dates ?? [];
  if (parseDates.length === 0) return ctx.dataPlane.createFromCsv(ctx.stepId, options);
  if (!cfg.columns) return loadDetectedWithParseDates(ctx, options, parseDates, cfg.path);
  const columns = applyParseDates(cfg.columns, parseDates, ctx.stepId);
  return ctx.dataPlane.createFromCsv(ctx.stepId, { ...options, columns }).catch((error: unknown) => {
    throw explainParseDatesError(error, parseDates);
  });
}

async function runCsvExtractor({ config, connection, ctx }: DriverRequest): Promise<DriverResult> {
  const cfg = readConfig(config);
  const file = await resolveStepFile(ctx, config, connection);
  await checkReadable(file.absolute, file.shown, ctx.stepId);
  const info = await loadCsv(
    ctx,
    {
      path: file.absolute,
      delimiter: cfg.delimiter,
      header: cfg.header,
      quote: cfg.quote,
      escape: cfg.escape,
      encoding: cfg.encoding,
      nullString: cfg.null_string,
      columns: cfg.columns,
      // parse_dates converts values: a loader reading the bytes would not
      ...((cfg.parse_dates ?? []).length > 0 ? { typedOnly: true } : {}),
    },
    cfg,
  );
  // info.rows is the count the data plane checked against its own scan of the file's records.
  ctx.log.info(`read ${info.rows} rows (${info.columns.length} columns) from ${cfg.path}`);
  ctx.log.debug(`columns: ${info.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  return { rowsRead: info.rows, rowsProcessed: info.rows };
}

export const csvExtractorModule: DriverModule = {
  spec: csvExtractorSpec,
  create: (): Driver => ({ run: runCsvExtractor }),
};
