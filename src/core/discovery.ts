// Schema discovery (`osiris discover`): what a database's discoverer reports and the pure helpers every
// discoverer shares. The SQL lives in each database's driver folder (mysql-discovery.ts,
// postgres-discovery.ts); api/driver-table.ts binds them by connection family.
import type { ResolvedConnection } from './connection.js';
import { OsirisError, describeError } from './errors.js';
import { isSecretKey } from './is-secret-key.js';
import type { Masker } from './mask.js';
import { MASK } from './mask.js';

/** One column of a discovered table or file. */
export interface DiscoveredColumn {
  /** Column name. */
  name: string;
  /** The source's own type text (`varchar(100)`, `numeric(12,2)`); absent for a CSV file. */
  source_type?: string;
  /** The data-plane (DuckDB) type an extractor gives it (the extractors' own mapping); null when the table could not be described. */
  type: string | null;
  /** Whether the column may hold NULL (absent for a CSV file). */
  nullable?: boolean;
}

/** One discovered table or view. */
export interface DiscoveredTable {
  /** Schema (PostgreSQL) or database (MySQL/MariaDB). */
  schema: string;
  /** Table name. */
  name: string;
  /** `table` or `view`. */
  kind: 'table' | 'view';
  /** Columns in order. */
  columns: DiscoveredColumn[];
  /** Primary key columns in key order ([] when none). */
  primary_key: string[];
  /** Estimated rows from the catalog (never counted); null when the catalog has none. */
  row_estimate: number | null;
  /**
   * Where the estimate comes from: the `catalog` (InnoDB's TABLE_ROWS, PostgreSQL's reltuples), the
   * `statistics` system's live rows (a PostgreSQL table never analyzed), or the `planner` (a view).
   */
  row_estimate_source: 'catalog' | 'statistics' | 'planner' | null;
  /** Up to `sample` rows as text (NULL as null); secret-looking columns masked. */
  sample: (string | null)[][];
  /** Why this table could not be fully read (a time-out, no privilege); the rest is still reported. */
  error?: { code: string; message: string };
}

/** What a discoverer is asked. */
export interface DiscoveryRequest {
  /** Only these tables (`name` or `schema.name`); all when absent. */
  tables?: readonly string[];
  /** The schema (PostgreSQL) or database (MySQL) to list; the discoverer's default when absent. */
  schema?: string;
  /** Sample rows per table (0: none). */
  sample: number;
  /** Statement time limit per table, in ms. */
  tableTimeoutMs: number;
  /** Connect time limit in ms. */
  connectTimeoutMs: number;
}

/** What a discoverer answers. */
export interface DiscoveredSchema {
  /** Server version. */
  server_version: string | null;
  /** The schemas (or database) listed. */
  schemas: string[];
  /** Tables in (schema, name) order. */
  tables: DiscoveredTable[];
}

/** Lists a database's tables with columns, keys, estimates and samples (one per SQL database). */
export interface SchemaDiscoverer {
  /** Connection families it serves. */
  families: readonly string[];
  /** Discover; throws a masked OsirisError (connection_error, usage for an unknown table). */
  discover(connection: ResolvedConnection, request: DiscoveryRequest): Promise<DiscoveredSchema>;
}

/** Connection family → its discoverer (bound by api/driver-table.ts). */
export type DiscoveryTable = ReadonlyMap<string, SchemaDiscoverer>;

/** A table the catalog lists, before its columns are read. */
export interface CatalogTable {
  /** Schema (PostgreSQL) or database (MySQL). */
  schema: string;
  /** Table name. */
  name: string;
  /** `table` or `view`. */
  kind: 'table' | 'view';
}

/**
 * The requested tables out of the catalog's, in catalog order. A request names `table` or
 * `schema.table`; an unknown or ambiguous name is a usage error naming what exists.
 */
export function selectRequestedTables<T extends CatalogTable>(
  all: readonly T[],
  requested: readonly string[] | undefined,
  label: string,
): T[] {
  if (requested === undefined || requested.length === 0) return [...all];
  const picked = new Set<T>();
  const unknown: string[] = [];
  for (const wanted of requested) {
    const hits = all.filter((t) => wanted === t.name || wanted === `${t.schema}.${t.name}`);
    if (hits.length > 1)
      throw new OsirisError(
        'usage',
        `--tables: '${wanted}' is ambiguous in ${label}: ${hits.map((t) => `${t.schema}.${t.name}`).join(', ')}; name the schema`,
      );
    if (hits[0]) picked.add(hits[0]);
    else unknown.push(wanted);
  }
  if (unknown.length > 0) {
    const known = all.map((t) => t.name);
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
    throw new OsirisError(
      'usage',
      `--tables: no table ${unknown.map((n) => `'${n}'`).join(', ')} in ${label} (tables: ${shown || 'none'})`,
    );
  }
  return all.filter((t) => picked.has(t));
}

/**
 * Sample rows safe to print and cache: every value of a secret-looking column (`api_token`,
 * `password`) is masked, and any connection secret inside any other value too.
 */
export function maskSampleRows(
  columns: readonly { name: string }[],
  rows: readonly (string | null)[][],
  mask: Masker,
): (string | null)[][] {
  const secret = columns.map((c) => isSecretKey(c.name));
  return rows.map((row) => row.map((value, i) => (value === null ? null : secret[i] ? MASK : mask(value))));
}

/** One table read by `read`; a failure (time-out, privilege) becomes the table's error field. */
export async function discoverOneTable(
  table: CatalogTable,
  base: Omit<DiscoveredTable, 'schema' | 'name' | 'kind'>,
  read: (into: DiscoveredTable) => Promise<void>,
): Promise<DiscoveredTable> {
  const into: DiscoveredTable = { schema: table.schema, name: table.name, kind: table.kind, ...base };
  try {
    await read(into);
  } catch (error) {
    const d = describeError(error);
    into.error = { code: d.code, message: d.message };
  }
  return into;
}
