// `osiris discover` for MySQL/MariaDB: the catalog from information_schema, the data-plane types from
// the extractor's own mapping of a prepared `SELECT *`, samples read the way the extractor's row stream
// reads them (binary values as hex), each table under a statement time limit.
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
import { readDatabaseEndpoint } from '../sql/database-endpoint.js';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import type { MysqlSession } from './mysql-client.js';
import { mapMysqlColumn } from './mysql-column-types.js';
import { mysqlDialect } from './mysql-dialect.js';

const WHERE = 'discover';
/** The catalog reads get a wider limit than one table: information_schema of a huge schema is slow. */
const CATALOG_TIMEOUT_MS = 60_000;

interface MysqlCatalogTable extends CatalogTable {
  rows: number | null;
}

/** MariaDB's max_statement_time (s), else MySQL's max_execution_time (ms, SELECTs only). */
async function setStatementTimeout(session: MysqlSession, ms: number): Promise<void> {
  try {
    await session.query('SET SESSION max_statement_time = ?', [ms / 1000]);
  } catch {
    await session.query('SET SESSION max_execution_time = ?', [ms]);
  }
}

async function readCatalogTables(session: MysqlSession, schema: string): Promise<MysqlCatalogTable[]> {
  const { rows } = await session.query(
    `SELECT TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = ?`,
    [schema],
  );
  // sorted here by code point: the schema's collation would order `movies` before `movie_actors`
  const byName = rows.sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return byName.map((r) => ({
    schema,
    name: String(r[0]),
    kind: r[1] === 'VIEW' ? 'view' : 'table',
    rows: r[1] === 'VIEW' || r[2] === null || r[2] === undefined ? null : Number(r[2]),
  }));
}

/** Columns (source type, nullability) and primary keys of the schema, by table name. */
async function readCatalogColumns(session: MysqlSession, schema: string, only: string[] | undefined) {
  // --tables: only their rows (a huge schema's whole COLUMNS view is the slow part)
  const filter = only === undefined ? '' : ' AND TABLE_NAME IN (?)';
  const params = only === undefined ? [schema] : [schema, only];
  const columns = await session.query(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ?${filter} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    params,
  );
  const keys = await session.query(
    `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'PRIMARY'${filter} ORDER BY TABLE_NAME, SEQ_IN_INDEX`,
    params,
  );
  const byTable = new Map<string, { name: string; sourceType: string; nullable: boolean }[]>();
  for (const [table, name, type, nullable] of columns.rows) {
    const list = byTable.get(String(table)) ?? [];
    list.push({ name: String(name), sourceType: String(type), nullable: nullable === 'YES' });
    byTable.set(String(table), list);
  }
  const primaryKeys = new Map<string, string[]>();
  for (const [table, name] of keys.rows)
    primaryKeys.set(String(table), [...(primaryKeys.get(String(table)) ?? []), String(name)]);
  return { byTable, primaryKeys };
}

/** Data-plane types from a prepared `SELECT *` (nothing runs), then up to `sample` rows. */
async function readTable(
  session: MysqlSession,
  catalog: Awaited<ReturnType<typeof readCatalogColumns>>,
  into: DiscoveredTable,
  request: DiscoveryRequest,
  endpoint: DatabaseEndpoint,
): Promise<void> {
  const source = catalog.byTable.get(into.name) ?? [];
  // the catalog's view first: a table that cannot be described still shows its columns
  into.columns = source.map((c) => ({
    name: c.name,
    source_type: c.sourceType,
    type: null,
    nullable: c.nullable,
  }));
  const from = `${mysqlDialect.quoteIdentifier(into.schema)}.${mysqlDialect.quoteIdentifier(into.name)}`;
  const described = await session.describe(`SELECT * FROM ${from}`);
  // tinyint1_as_boolean's default, as the extractor reads the table
  into.columns = described.map((d) => {
    const { name, type } = mapMysqlColumn(d, true);
    const c = source.find((s) => s.name === name);
    return c ? { name, source_type: c.sourceType, type, nullable: c.nullable } : { name, type };
  });
  if (request.sample <= 0) return;
  const rows: (string | null)[][] = [];
  for await (const chunk of session.streamRows(
    `SELECT * FROM ${from} LIMIT ${request.sample}`,
    described,
    request.sample,
  ))
    rows.push(...chunk);
  into.sample = maskSampleRows(into.columns, rows, endpoint.mask);
}

async function discoverMysql(
  connection: ResolvedConnection,
  request: DiscoveryRequest,
): Promise<DiscoveredSchema> {
  const endpoint = readDatabaseEndpoint(connection, WHERE);
  const session = await mysqlDialect.open(endpoint, {
    connectTimeoutMs: request.connectTimeoutMs,
    where: WHERE,
  });
  try {
    await setStatementTimeout(session, CATALOG_TIMEOUT_MS);
    const version = (await session.query(mysqlDialect.versionSql)).rows[0]?.[0] ?? null;
    const schema = request.schema ?? (await session.query('SELECT DATABASE()')).rows[0]?.[0] ?? undefined;
    if (!schema)
      throw new OsirisError(
        'usage',
        `${endpoint.label} names no database: give one with --schema (or 'database' in the connection)`,
      );
    const all = await readCatalogTables(session, schema);
    if (all.length === 0 && request.schema !== undefined)
      await refuseUnknownSchema(session, schema, endpoint);
    const tables = selectRequestedTables(all, request.tables, `${endpoint.label} database ${schema}`);
    const only = request.tables?.length ? tables.map((t) => t.name) : undefined;
    const catalog = await readCatalogColumns(session, schema, only);
    await setStatementTimeout(session, request.tableTimeoutMs);
    const out: DiscoveredTable[] = [];
    for (const t of tables) {
      const base = {
        columns: [],
        primary_key: catalog.primaryKeys.get(t.name) ?? [],
        row_estimate: t.rows,
        row_estimate_source: t.rows === null ? null : ('catalog' as const),
        sample: [],
      };
      out.push(
        await discoverOneTable(t, base, (into) => readTable(session, catalog, into, request, endpoint)),
      );
    }
    return { server_version: version, schemas: [schema], tables: out };
  } finally {
    await session.close();
  }
}

/** A database that does not exist (or is not visible) is a usage error, not an empty answer. */
async function refuseUnknownSchema(
  session: MysqlSession,
  schema: string,
  endpoint: DatabaseEndpoint,
): Promise<void> {
  const { rows } = await session.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
    schema,
  ]);
  if (rows.length === 0)
    throw new OsirisError('usage', `--schema: no database '${schema}' on ${endpoint.label}`);
}

/** The MySQL/MariaDB discoverer. */
export const mysqlDiscoverer: SchemaDiscoverer = {
  families: mysqlDialect.families,
  discover: discoverMysql,
};
