// `osiris discover` for PostgreSQL and Supabase: the catalog from pg_class / pg_attribute / pg_index,
// the data-plane types from the extractor's own mapping of a `LIMIT 0` result, row estimates from
// pg_class.reltuples (the statistics system's live rows for a table never analyzed, the planner's guess
// for a view), each table under statement_timeout.
import type {
  CatalogTable,
  DiscoveredSchema,
  DiscoveredTable,
  DiscoveryRequest,
  SchemaDiscoverer,
} from '../../core/discovery.js';
import { discoverOneTable, maskSampleRows, selectRequestedTables } from '../../core/discovery.js';
import type { ResolvedConnection } from '../../core/index.js';
import { OsirisError } from '../../core/index.js';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import { readDatabaseEndpoint } from '../sql/database-endpoint.js';
import type { PostgresSession } from './postgres-client.js';
import { mapPostgresField } from './postgres-column-types.js';
import { postgresDialect } from './postgres-dialect.js';

const WHERE = 'discover';
/** The catalog reads get a wider limit than one table. */
const CATALOG_TIMEOUT_MS = 60_000;

/** Schemas that are never user data. */
const SYSTEM_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

interface PostgresCatalogTable extends CatalogTable {
  oid: string;
  /** reltuples: -1 when never vacuumed or analyzed (PostgreSQL 14+), 0 before that too. */
  reltuples: number;
  /** The statistics system's live-row count (pg_stat_user_tables.n_live_tup); null for a view. */
  liveTuples: number | null;
}

/** The schemas to list: the one asked for, else Supabase's `public` (its own schemas are many), else all. */
async function chooseSchemas(
  session: PostgresSession,
  family: string,
  request: DiscoveryRequest,
  endpoint: DatabaseEndpoint,
): Promise<string[]> {
  const wanted = request.schema ?? (family === 'supabase' ? 'public' : undefined);
  const { rows } = await session.query(
    `SELECT n.nspname FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} AND ($1::text IS NULL OR n.nspname = $1) ORDER BY 1`,
    [wanted ?? null],
  );
  if (wanted !== undefined && rows.length === 0)
    throw new OsirisError('usage', `--schema: no schema '${wanted}' on ${endpoint.label}`);
  return rows.map((r) => String(r[0]));
}

async function readCatalogTables(
  session: PostgresSession,
  schemas: string[],
): Promise<PostgresCatalogTable[]> {
  const { rows } = await session.query(
    `SELECT n.nspname, c.relname, c.relkind, c.oid, c.reltuples::float8, s.n_live_tup
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
     ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  return rows.map((r) => ({
    schema: String(r[0]),
    name: String(r[1]),
    kind: r[2] === 'v' || r[2] === 'm' ? 'view' : 'table',
    oid: String(r[3]),
    reltuples: r[2] === 'v' ? -1 : Number(r[4]),
    liveTuples: r[5] === null || r[5] === undefined ? null : Number(r[5]),
  }));
}

/** Columns (source type, nullability) and primary keys, by table oid. */
async function readCatalogColumns(session: PostgresSession, oids: string[]) {
  const columns = await session.query(
    `SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
     FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const keys = await session.query(
    `SELECT i.indrelid, a.attname
     FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indisprimary AND i.indrelid = ANY($1::oid[]) ORDER BY i.indrelid, k.ord`,
    [oids],
  );
  const byTable = new Map<string, { name: string; sourceType: string; nullable: boolean }[]>();
  for (const [oid, name, type, notNull] of columns.rows) {
    const list = byTable.get(String(oid)) ?? [];
    list.push({
      name: String(name),
      sourceType: String(type),
      nullable: notNull !== 't' && notNull !== 'true',
    });
    byTable.set(String(oid), list);
  }
  const primaryKeys = new Map<string, string[]>();
  for (const [oid, name] of keys.rows)
    primaryKeys.set(String(oid), [...(primaryKeys.get(String(oid)) ?? []), String(name)]);
  return { byTable, primaryKeys };
}

/**
 * The catalog's reltuples once the table was vacuumed or analyzed; before that the statistics system's
 * live-row count (kept up by every insert and delete); for a view neither: the planner decides later.
 */
function chooseEstimate(
  t: PostgresCatalogTable,
): Pick<DiscoveredTable, 'row_estimate' | 'row_estimate_source'> {
  if (t.reltuples >= 0) return { row_estimate: Math.round(t.reltuples), row_estimate_source: 'catalog' };
  if (t.liveTuples !== null) return { row_estimate: t.liveTuples, row_estimate_source: 'statistics' };
  return { row_estimate: null, row_estimate_source: null };
}

/** The planner's row estimate (EXPLAIN plans without running anything). */
async function estimateRows(session: PostgresSession, from: string): Promise<number | null> {
  const { rows } = await session.query(`EXPLAIN (FORMAT JSON) SELECT * FROM ${from}`);
  const plan = JSON.parse(rows[0]?.[0] ?? 'null') as [{ Plan?: { 'Plan Rows'?: number } }] | null;
  const estimate = plan?.[0]?.Plan?.['Plan Rows'];
  return typeof estimate === 'number' ? estimate : null;
}

async function readTable(
  session: PostgresSession,
  table: PostgresCatalogTable,
  source: { name: string; sourceType: string; nullable: boolean }[],
  into: DiscoveredTable,
  context: { request: DiscoveryRequest; endpoint: DatabaseEndpoint },
): Promise<void> {
  into.columns = source.map((c) => ({
    name: c.name,
    source_type: c.sourceType,
    type: null,
    nullable: c.nullable,
  }));
  const from = `${postgresDialect.quoteIdentifier(table.schema)}.${postgresDialect.quoteIdentifier(table.name)}`;
  if (into.row_estimate_source === null) {
    into.row_estimate = await estimateRows(session, from);
    into.row_estimate_source = into.row_estimate === null ? null : 'planner';
  }
  // LIMIT 0: the planner describes the result without reading a row (as the extractor does)
  const described = await session.query(`SELECT * FROM ${from} LIMIT 0`);
  into.columns = described.fields.map((field) => {
    const { name, type } = mapPostgresField(field);
    const c = source.find((s) => s.name === name);
    return c ? { name, source_type: c.sourceType, type, nullable: c.nullable } : { name, type };
  });
  const { sample } = context.request;
  if (sample <= 0) return;
  const { rows } = await session.query(`SELECT * FROM ${from} LIMIT ${sample}`);
  into.sample = maskSampleRows(into.columns, rows, context.endpoint.mask);
}

async function discoverPostgres(
  connection: ResolvedConnection,
  request: DiscoveryRequest,
): Promise<DiscoveredSchema> {
  const endpoint = readDatabaseEndpoint(connection, WHERE);
  const session = await postgresDialect.open(endpoint, {
    connectTimeoutMs: request.connectTimeoutMs,
    where: WHERE,
    statementTimeoutMs: CATALOG_TIMEOUT_MS,
  });
  try {
    const version = (await session.query(postgresDialect.versionSql)).rows[0]?.[0] ?? null;
    const schemas = await chooseSchemas(session, connection.family, request, endpoint);
    const all = await readCatalogTables(session, schemas);
    const label = `${endpoint.label} (schemas: ${schemas.join(', ') || 'none'})`;
    const tables = selectRequestedTables(all, request.tables, label);
    const catalog = await readCatalogColumns(
      session,
      tables.map((t) => t.oid),
    );
    await session.query(`SET statement_timeout = ${Math.max(1, Math.round(request.tableTimeoutMs))}`);
    const out: DiscoveredTable[] = [];
    for (const t of tables) {
      const base = {
        columns: [],
        primary_key: catalog.primaryKeys.get(t.oid) ?? [],
        ...chooseEstimate(t),
        sample: [],
      };
      const source = catalog.byTable.get(t.oid) ?? [];
      out.push(
        await discoverOneTable(t, base, (into) => readTable(session, t, source, into, { request, endpoint })),
      );
    }
    return { server_version: version, schemas, tables: out };
  } finally {
    await session.close();
  }
}

/** The PostgreSQL (and Supabase) discoverer. */
export const postgresDiscoverer: SchemaDiscoverer = {
  families: postgresDialect.families,
  discover: discoverPostgres,
};
