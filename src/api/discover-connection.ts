// `discoverConnection`: the tables of a database connection (columns, source and data-plane types,
// nullability, primary keys, catalog row estimates, masked samples), answered from the project's
// discovery cache unless refreshed. The CLI's `osiris discover @family.alias` is a client of it.
import { loadConnections } from '../connections/index.js';
import type { DiscoveredSchema, DiscoveryRequest, DiscoveryTable } from '../core/discovery.js';
import { OsirisError, createMasker, parseConnectionRef } from '../core/index.js';
import type { CachedAnswer } from './discover-cache.js';
import {
  createRequestKey,
  locateCacheFile,
  readCachedAnswer,
  readConnectionIdentity,
  writeCachedAnswer,
} from './discover-cache.js';
import { createDiscoveryTable } from './driver-table.js';
import { resolveProject } from './resolve-project.js';

/** Defaults of a discovery request. */
export const DISCOVERY_DEFAULTS = { sample: 5, tableTimeoutMs: 5_000, connectTimeoutMs: 10_000 } as const;

/** What to discover and where the project is. */
export interface DiscoverConnectionOptions {
  /** `@family.alias`. */
  connection: string;
  /** Current directory (resolves the project and a relative connections file). */
  cwd: string;
  /** `--project-dir`; the nearest osiris.yaml otherwise. */
  projectDir?: string;
  /** Environment for `${VAR}` in the connections file. */
  env: Record<string, string | undefined>;
  /** `--connections FILE` (absolute, or relative to the project root). */
  connectionsFile?: string;
  /** Only these tables (`name` or `schema.name`). */
  tables?: readonly string[];
  /** PostgreSQL schema or MySQL database to list (default: every user schema / the connection's database). */
  schema?: string;
  /** Sample rows per table (default 5; 0 for none). */
  sample?: number;
  /** Statement time limit per table in ms (default 5000). */
  tableTimeoutMs?: number;
  /** Connect time limit in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Read the server even when the cache has an answer (and replace it). */
  refresh?: boolean;
  /** The discoverers by family (default: createDiscoveryTable()). */
  discoverers?: DiscoveryTable;
}

/** A connection's discovered tables and whether they came from the cache. */
export interface DiscoveredConnection extends DiscoveredSchema {
  /** `@family.alias`. */
  connection: string;
  /** Whether this answer was read from the cache (no server contacted). */
  cached: boolean;
  /** When the answer was read from the server (ISO 8601). */
  discovered_at: string;
  /** The cache file (absolute path). */
  cache_file: string;
}

/** Whole numbers only (flags arrive as text; a library caller could pass anything). */
function checkCount(value: number, flag: string, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new OsirisError('usage', `${flag} expects a whole number ≥ ${min}, got '${String(value)}'`);
  return value;
}

function readRequest(options: DiscoverConnectionOptions): DiscoveryRequest {
  const tables = options.tables?.map((t) => t.trim()).filter((t) => t !== '');
  if (options.tables !== undefined && (tables ?? []).length === 0)
    throw new OsirisError('usage', '--tables expects a comma-separated list of table names');
  const tableTimeoutMs = options.tableTimeoutMs ?? DISCOVERY_DEFAULTS.tableTimeoutMs;
  if (!Number.isFinite(tableTimeoutMs) || tableTimeoutMs <= 0)
    throw new OsirisError(
      'usage',
      `--table-timeout expects seconds (> 0), got '${String(tableTimeoutMs / 1000)}'`,
    );
  return {
    ...(tables === undefined ? {} : { tables }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    sample: checkCount(options.sample ?? DISCOVERY_DEFAULTS.sample, '--sample', 0),
    tableTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DISCOVERY_DEFAULTS.connectTimeoutMs,
  };
}

/**
 * Discover a database connection's tables. Throws OsirisError: `usage` for a bad request or an unknown
 * table, `connection_error` for an unknown alias or an unreachable server; messages are masked.
 */
export async function discoverConnection(options: DiscoverConnectionOptions): Promise<DiscoveredConnection> {
  const request = readRequest(options);
  const ref = parseConnectionRef(options.connection);
  if (!ref)
    throw new OsirisError(
      'usage',
      `expected a connection reference like @mysql.main, got '${options.connection}'`,
    );
  const project = resolveProject({
    cwd: options.cwd,
    ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
  });
  const registry = loadConnections({ file: options.connectionsFile, root: project.root, env: options.env });
  const connection = registry.resolve(ref.family, ref.alias);
  const discoverer = (options.discoverers ?? createDiscoveryTable()).get(connection.family);
  if (!discoverer)
    throw new OsirisError(
      'usage',
      `@${ref.family}.${ref.alias}: the ${ref.family} family has no tables to discover (a CSV file: osiris discover path/to/file.csv)`,
    );
  const identity = readConnectionIdentity(connection);
  const cacheFile = locateCacheFile(project.root, identity);
  const key = createRequestKey(request);
  const label = `@${ref.family}.${ref.alias}`;
  const hit = options.refresh ? undefined : readCachedAnswer(cacheFile, identity, key);
  if (hit)
    return {
      connection: label,
      cached: true,
      discovered_at: hit.discovered_at,
      cache_file: cacheFile,
      ...hit.result,
    };
  const mask = createMasker(connection.secrets);
  const result = await discoverer.discover(connection, request).catch((error: unknown) => {
    // the drivers mask their own messages; this is the belt to those braces
    if (error instanceof OsirisError)
      throw new OsirisError(error.code, mask(error.message), { cause: error });
    throw error;
  });
  const answer: CachedAnswer = { discovered_at: new Date().toISOString(), result };
  // an answer with a failed table (often a time-out of a busy server) is not kept: the next call retries
  if (result.tables.every((t) => t.error === undefined)) writeCachedAnswer(cacheFile, identity, key, answer);
  return {
    connection: label,
    cached: false,
    discovered_at: answer.discovered_at,
    cache_file: cacheFile,
    ...result,
  };
}
