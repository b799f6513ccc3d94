import type { IncrementalSpec, JsonSchema, RetryPolicy } from '../../core/index.js';
import { DEFAULT_RETRY_POLICY, OsirisError, readIncrementalSpec } from '../../core/index.js';
import type { TableRef } from './sql-dialect.js';

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
  /** Read only the rows after the stored boundary (docs/incremental.md). */
  incremental: IncrementalSpec | undefined;
  /** Incremental reads: at most this many rows per execution (one chunk; the run repeats it). */
  chunkRows: number | undefined;
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

/**
 * The defaults of the keys every database component has: the schemas declare them, and the typed reads
 * below fall back to them when a driver is called with a config the compiler did not fill in (tests).
 */
const DEFAULTS = {
  statement_timeout_ms: 0,
  connect_timeout_ms: 10_000,
  write_mode: 'append' as WriteMode,
  create_if_missing: false,
  batch_size: 10_000,
};

const CONNECT_TIMEOUT_PROPERTY = {
  type: 'integer',
  minimum: 1,
  default: DEFAULTS.connect_timeout_ms,
  description: 'Give up connecting after this long.',
};

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

const NAME_OR_NAMES = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
  ],
};

const INCREMENTAL_PROPERTY = {
  type: 'object',
  additionalProperties: false,
  required: ['cursor', 'primary_key'],
  description:
    'Read only the rows after the last run (docs/incremental.md): the boundary is the (cursor, primary_key) tuple of the last row read.',
  properties: {
    cursor: {
      type: 'string',
      minLength: 1,
      description: 'Column whose value never decreases for new and changed rows (NOT NULL).',
    },
    primary_key: { ...NAME_OR_NAMES, description: 'Tie-breaker column(s): unique together with the cursor.' },
    initial: {
      type: ['string', 'integer'],
      description: 'Lower bound (inclusive) of the cursor on the first run.',
    },
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
        default: DEFAULTS.statement_timeout_ms,
        description: 'Server-side statement timeout (0 = none).',
      },
      connect_timeout_ms: CONNECT_TIMEOUT_PROPERTY,
      ...RETRY_PROPERTIES,
      incremental: INCREMENTAL_PROPERTY,
      chunk_rows: {
        type: 'integer',
        minimum: 1,
        description:
          'With incremental and one database writer reading this step directly (append or upsert): read and commit in keyset chunks of this many rows, each its own statement and transaction; a killed run resumes after the last committed chunk.',
      },
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
        default: DEFAULTS.write_mode,
        description: 'append | replace | upsert.',
      },
      primary_key: {
        ...NAME_OR_NAMES,
        description: 'Key column(s): the conflict target of upsert, the PRIMARY KEY of a created table.',
      },
      create_if_missing: {
        type: 'boolean',
        default: DEFAULTS.create_if_missing,
        description: 'Create the table from the input types when missing.',
      },
      batch_size: {
        type: 'integer',
        minimum: 1,
        maximum: 1_000_000,
        default: DEFAULTS.batch_size,
        description: 'Rows per chunk read from the input.',
      },
      connect_timeout_ms: CONNECT_TIMEOUT_PROPERTY,
      ...RETRY_PROPERTIES,
    },
    // replace/upsert without primary_key is refused by the compiler's own check (one clear message)
  };
}

/** A value of a config the schema has validated, or its default. */
function readValue<T>(config: Record<string, unknown>, key: string, fallback: T): T {
  return (config[key] as T | undefined) ?? fallback;
}

/** A column name or a list of them (the schema allows both). */
function readNameList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : (value as string[]);
}

function readRetry(config: Record<string, unknown>): RetryPolicy {
  return {
    attempts: readValue(config, 'retry_attempts', DEFAULT_RETRY_POLICY.attempts),
    initialDelayMs: readValue(config, 'retry_initial_delay_ms', DEFAULT_RETRY_POLICY.initialDelayMs),
    maxDelayMs: readValue(config, 'retry_max_delay_ms', DEFAULT_RETRY_POLICY.maxDelayMs),
  };
}

/**
 * The typed extractor config. The compiler validated the config against createExtractorSchema (which
 * also refuses both or neither of query and table); nothing here validates again.
 */
export function readExtractorConfig(config: Record<string, unknown>): ExtractorConfig {
  const query = config.query as string | undefined;
  const source: ExtractSource =
    query !== undefined
      ? { kind: 'query', sql: query.trim().replace(/;\s*$/, '') }
      : {
          kind: 'table',
          ref: { schema: config.schema as string | undefined, table: config.table as string },
          columns: readNameList(config.columns),
        };
  return {
    source,
    statementTimeoutMs: readValue(config, 'statement_timeout_ms', DEFAULTS.statement_timeout_ms),
    connectTimeoutMs: readValue(config, 'connect_timeout_ms', DEFAULTS.connect_timeout_ms),
    retry: readRetry(config),
    incremental: readIncrementalSpec(config),
    chunkRows: config.chunk_rows as number | undefined,
  };
}

/**
 * The typed writer config (validated by createWriterSchema). Replace and upsert need a primary key: a
 * rule the schema leaves to the compiler, checked again here because drivers are also called directly.
 */
export function readWriterConfig(config: Record<string, unknown>, where: string): WriterConfig {
  const mode = readValue(config, 'write_mode', DEFAULTS.write_mode);
  const primaryKey = readNameList(config.primary_key) ?? [];
  if (mode !== 'append' && primaryKey.length === 0) {
    throw new OsirisError('config_error', `write_mode '${mode}' requires 'primary_key'`, { where });
  }
  return {
    target: { schema: config.schema as string | undefined, table: config.table as string },
    mode,
    primaryKey,
    createIfMissing: readValue(config, 'create_if_missing', DEFAULTS.create_if_missing),
    batchSize: readValue(config, 'batch_size', DEFAULTS.batch_size),
    connectTimeoutMs: readValue(config, 'connect_timeout_ms', DEFAULTS.connect_timeout_ms),
    retry: readRetry(config),
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
