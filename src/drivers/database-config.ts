import type { JsonSchema } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import type { RetryPolicy } from './retry-transient.js';
import { DEFAULT_RETRY_POLICY } from './retry-transient.js';
import type { TableRef } from './sql-ddl.js';

/** What an extractor reads: a query, or a table with optional columns. */
export type ExtractSource =
  { kind: 'query'; sql: string } | { kind: 'table'; ref: TableRef; columns: string[] | undefined };

/** A database extractor's config after validation. */
export interface ExtractorConfig {
  /** Query or table. */
  source: ExtractSource;
  /** Server-side statement timeout in ms (0 = none). */
  statementTimeoutMs: number;
  /** Connect timeout in ms. */
  connectTimeoutMs: number;
  /** Retry of transient failures while connecting and describing. */
  retry: RetryPolicy;
}

/** Writer modes. */
export const WRITE_MODES = ['append', 'replace', 'upsert'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

/** A database writer's config after validation. */
export interface WriterConfig {
  /** Target table. */
  target: TableRef;
  /** append | replace | upsert. */
  mode: WriteMode;
  /** Primary key columns (required for replace and upsert). */
  primaryKey: string[];
  /** Create the table from the input's types when it does not exist. */
  createIfMissing: boolean;
  /** Rows per chunk read from the data plane (and per INSERT where INSERTs are used). */
  batchSize: number;
  /** Connect timeout in ms. */
  connectTimeoutMs: number;
  /** Retry of transient failures (the whole load is retried). */
  retry: RetryPolicy;
}

const RETRY_PROPERTIES = {
  retry_attempts: {
    type: 'integer',
    minimum: 1,
    maximum: 10,
    default: DEFAULT_RETRY_POLICY.attempts,
    description: 'Attempts on transient errors (1 = no retry).',
  },
  retry_initial_delay_ms: {
    type: 'integer',
    minimum: 0,
    default: DEFAULT_RETRY_POLICY.initialDelayMs,
    description: 'Backoff before the 2nd attempt; doubles each time, with jitter.',
  },
  retry_max_delay_ms: {
    type: 'integer',
    minimum: 0,
    default: DEFAULT_RETRY_POLICY.maxDelayMs,
    description: 'Cap of any backoff delay.',
  },
};

function connectionProperty(family: string): JsonSchema {
  return {
    // the compiler checks the @family.alias form and the family, with a message that names both
    type: 'string',
    description: `Connection reference @${family}.<alias> (default: the family's default connection).`,
  };
}

/** Config schema of a database extractor (draft-07): `query`, or `table` with optional `schema`/`columns`. */
export function createExtractorSchema(family: string, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      connection: connectionProperty(family),
      query: { type: 'string', minLength: 1, description: 'SELECT to run (instead of table).' },
      table: { type: 'string', minLength: 1, description: 'Table to read (instead of query).' },
      schema: {
        type: 'string',
        minLength: 1,
        description: 'Schema (PostgreSQL) or database (MySQL) of the table.',
      },
      columns: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        uniqueItems: true,
        description: 'Columns of the table to read (default: all).',
      },
      statement_timeout_ms: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Server-side statement timeout (0 = none).',
      },
      connect_timeout_ms: {
        type: 'integer',
        minimum: 1,
        default: 10_000,
        description: 'Give up connecting after this long.',
      },
      ...RETRY_PROPERTIES,
      ...extra,
    },
    oneOf: [
      {
        required: ['query'],
        not: { anyOf: [{ required: ['table'] }, { required: ['schema'] }, { required: ['columns'] }] },
      },
      { required: ['table'], not: { required: ['query'] } },
    ],
  };
}

/** Config schema of a database writer (draft-07); replace and upsert require `primary_key`. */
export function createWriterSchema(family: string): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['table'],
    properties: {
      connection: connectionProperty(family),
      table: { type: 'string', minLength: 1, description: 'Target table.' },
      schema: {
        type: 'string',
        minLength: 1,
        description: 'Schema (PostgreSQL) or database (MySQL) of the table.',
      },
      write_mode: {
        type: 'string',
        enum: [...WRITE_MODES],
        default: 'append',
        description: 'append | replace | upsert.',
      },
      primary_key: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        ],
        description: 'Key column(s): the conflict target of upsert, the PRIMARY KEY of a created table.',
      },
      create_if_missing: {
        type: 'boolean',
        default: false,
        description: 'Create the table from the input types when missing.',
      },
      batch_size: {
        type: 'integer',
        minimum: 1,
        maximum: 1_000_000,
        default: 10_000,
        description: 'Rows per chunk read from the input.',
      },
      connect_timeout_ms: {
        type: 'integer',
        minimum: 1,
        default: 10_000,
        description: 'Give up connecting after this long.',
      },
      ...RETRY_PROPERTIES,
    },
    // replace/upsert without primary_key is refused by the compiler's own check (one clear message)
  };
}

function fail(where: string, message: string): never {
  throw new OsirisError('config_error', message, { where });
}

function readInteger(
  config: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  where: string,
): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    fail(where, `'${key}' must be an integer >= ${min}`);
  return value;
}

function readOptionalText(config: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(where, `'${key}' must be a non-empty string`);
  return value;
}

function readNameList(value: unknown, key: string, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || x === '')) {
    fail(where, `'${key}' must be a column name or a non-empty list of column names`);
  }
  return list as string[];
}

function readRetry(config: Record<string, unknown>, where: string): RetryPolicy {
  return {
    attempts: readInteger(config, 'retry_attempts', DEFAULT_RETRY_POLICY.attempts, 1, where),
    initialDelayMs: readInteger(
      config,
      'retry_initial_delay_ms',
      DEFAULT_RETRY_POLICY.initialDelayMs,
      0,
      where,
    ),
    maxDelayMs: readInteger(config, 'retry_max_delay_ms', DEFAULT_RETRY_POLICY.maxDelayMs, 0, where),
  };
}

/** Validate an extractor config (the compiler validated it already; drivers are also called directly). */
export function readExtractorConfig(config: Record<string, unknown>, where: string): ExtractorConfig {
  const query = readOptionalText(config, 'query', where);
  const table = readOptionalText(config, 'table', where);
  const schema = readOptionalText(config, 'schema', where);
  const columns = readNameList(config.columns, 'columns', where);
  if ((query === undefined) === (table === undefined)) fail(where, "give exactly one of 'query' or 'table'");
  if (query !== undefined && (schema !== undefined || columns !== undefined)) {
    fail(where, "'schema' and 'columns' go with 'table', not with 'query'");
  }
  const source: ExtractSource =
    query !== undefined
      ? { kind: 'query', sql: query.trim().replace(/;\s*$/, '') }
      : { kind: 'table', ref: { schema, table: table as string }, columns };
  return {
    source,
    statementTimeoutMs: readInteger(config, 'statement_timeout_ms', 0, 0, where),
    connectTimeoutMs: readInteger(config, 'connect_timeout_ms', 10_000, 1, where),
    retry: readRetry(config, where),
  };
}

/** Validate a writer config; replace and upsert need a primary key. */
export function readWriterConfig(config: Record<string, unknown>, where: string): WriterConfig {
  const table = readOptionalText(config, 'table', where);
  if (table === undefined) fail(where, "'table' is required");
  const mode = (config.write_mode ?? 'append') as WriteMode;
  if (!WRITE_MODES.includes(mode)) fail(where, `'write_mode' must be one of ${WRITE_MODES.join(', ')}`);
  const primaryKey = readNameList(config.primary_key, 'primary_key', where) ?? [];
  if (mode !== 'append' && primaryKey.length === 0)
    fail(where, `write_mode '${mode}' requires 'primary_key'`);
  const createIfMissing = config.create_if_missing ?? false;
  if (typeof createIfMissing !== 'boolean') fail(where, "'create_if_missing' must be true or false");
  return {
    target: { schema: readOptionalText(config, 'schema', where), table },
    mode,
    primaryKey,
    createIfMissing,
    batchSize: readInteger(config, 'batch_size', 10_000, 1, where),
    connectTimeoutMs: readInteger(config, 'connect_timeout_ms', 10_000, 1, where),
    retry: readRetry(config, where),
  };
}

/** The one input table of a writer (its upstream step id). */
export function readSingleInput(inputs: Record<string, string>, where: string): string {
  const ids = Object.values(inputs);
  if (ids.length !== 1) {
    const names = Object.keys(inputs).join(', ') || 'none';
    throw new OsirisError('input_error', `a writer takes exactly one input, got ${ids.length} (${names})`, {
      where,
    });
  }
  return ids[0] as string;
}
