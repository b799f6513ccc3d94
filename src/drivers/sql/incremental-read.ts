/**
 * The keyset read of an incremental extractor (docs/incremental.md): the rows after a (cursor, key) tuple
 * in (cursor, key) order, each boundary value written as a literal the source compares in the column's
 * own type, and the new boundary taken from the last row the data plane received.
 */
import type {
  Boundary,
  ColumnInfo,
  IncrementalSpec,
  IncrementalStart,
  StepContext,
  TableInfo,
} from '../../core/index.js';
import { OsirisError } from '../../core/index.js';
import type { SqlDialect } from './sql-dialect.js';

/** Alias of the source inside an incremental read (`FROM (<source>) AS osiris_q`). */
export const INCREMENTAL_ALIAS = 'osiris_q';

const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
]);
const TEMPORAL_TYPES = new Set([
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP_S',
  'TIMESTAMP_MS',
  'TIMESTAMP_NS',
  'TIMESTAMP WITH TIME ZONE',
]);

/** The kind of literal a data-plane type takes in a keyset comparison, or undefined when it cannot be one. */
export function classifyKeysetType(
  duckType: string,
  role: 'cursor' | 'key',
): 'number' | 'temporal' | 'text' | undefined {
  const type = duckType.toUpperCase();
  if (INTEGER_TYPES.has(type) || type.startsWith('DECIMAL(')) return 'number';
  if (TEMPORAL_TYPES.has(type)) return 'temporal';
  if (type === 'VARCHAR' || (role === 'key' && type === 'UUID')) return 'text';
  return undefined;
}

/** The columns of the read, checked: cursor and key present, of a type compared exactly. */
function findKeysetColumns(
  spec: IncrementalSpec,
  columns: readonly ColumnInfo[],
  where: string,
): ColumnInfo[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const names = [spec.cursor, ...spec.primaryKey];
  return names.map((name, i) => {
    const role = i === 0 ? 'cursor' : 'key';
    const column = byName.get(name);
    const what = role === 'cursor' ? 'incremental.cursor' : 'incremental.primary_key';
    if (column === undefined) {
      throw new OsirisError(
        'config_error',
        `${what} '${name}' is not a column of what the step reads (columns: ${[...byName.keys()].join(', ')})`,
        { where },
      );
    }
    if (classifyKeysetType(column.type, role) === undefined) {
      throw new OsirisError(
        'config_error',
        `${what} '${name}' is ${column.type}, which an incremental read cannot compare exactly; expected an ` +
          `integer, decimal, date, timestamp or text column${role === 'key' ? ' (or a UUID)' : ''}`,
        { where },
      );
    }
    return column;
  });
}

/** `a > x OR (a = x AND (b > y OR (b = y AND …)))`: the tuple of `refs` after the tuple of `values`. */
function renderTupleAfter(refs: readonly string[], values: readonly string[]): string {
  const [ref, ...restRefs] = refs;
  const [value, ...restValues] = values;
  if (ref === undefined || value === undefined) return 'FALSE';
  if (restRefs.length === 0) return `${ref} > ${value}`;
  return `(${ref} > ${value} OR (${ref} = ${value} AND ${renderTupleAfter(restRefs, restValues)}))`;
}

/**
 * ` WHERE … ORDER BY …` of an incremental read over `FROM (<source>) AS osiris_q`: the rows after any of
 * the start boundaries (each written `cursor >= c AND (…)`, so an index on the cursor serves a range), or
 * from `initial` on the first run, in (cursor, key) order; at most `chunkRows` rows when given.
 */
export function renderIncrementalTail(
  dialect: SqlDialect,
  spec: IncrementalSpec,
  start: IncrementalStart,
  columns: readonly ColumnInfo[],
  where: string,
  chunkRows?: number,
): string {
  const keyset = findKeysetColumns(spec, columns, where);
  const refs = keyset.map((c) => `${INCREMENTAL_ALIAS}.${dialect.quoteIdentifier(c.name)}`);
  const cursorRef = refs[0] as string;
  const cursorType = (keyset[0] as ColumnInfo).type;
  const literal = (text: string, i: number): string => {
    const column = keyset[i] as ColumnInfo;
    return dialect.renderLiteral(text, column.type, `${column.name} = ${text}`, where);
  };
  const predicates = start.after.map((b) => {
    const values = [b.cursor, ...b.key].map(literal);
    return `(${cursorRef} >= ${values[0]} AND ${renderTupleAfter(refs, values)})`;
  });
  if (predicates.length === 0 && spec.initial !== undefined)
    predicates.push(
      `${cursorRef} >= ${dialect.renderLiteral(spec.initial, cursorType, `initial ${spec.initial}`, where)}`,
    );
  const filter = predicates.length > 0 ? ` WHERE ${predicates.join(' OR ')}` : '';
  const limit = chunkRows === undefined ? '' : ` LIMIT ${Math.floor(chunkRows)}`;
  return `${filter} ORDER BY ${refs.join(', ')}${limit}`;
}

/** The cursor and key values of a row (by name), refusing a NULL in any of them. */
function pickKeyset(
  row: readonly (string | null | undefined)[],
  spec: IncrementalSpec,
  where: string,
): string[] {
  return [spec.cursor, ...spec.primaryKey].map((name, n) => {
    const value = row[n];
    if (value === null || value === undefined) {
      throw new OsirisError(
        'config_error',
        `incremental ${n === 0 ? 'cursor' : 'primary_key'} column '${name}' holds NULL; rows with a NULL ` +
          'there cannot be placed after a boundary, so they would be lost or read again on every run ' +
          '(make the column NOT NULL, or COALESCE it in a query)',
        { where },
      );
    }
    return value;
  });
}

/** First and last rows of a read as their server sent them (all columns, in the table's order). */
export interface EdgeRows {
  /** The first row. */
  first: readonly (string | null)[];
  /** The last row. */
  last: readonly (string | null)[];
}

/**
 * The new boundary: the last row of the read (the data plane keeps the order the source sent), taken
 * from `edges` when the stream was watched, else read back from the data plane. A NULL in the cursor or
 * key of the first or last row is refused: such a row sorts before or after every boundary, so it would
 * be read once and never again, or on every run.
 */
export async function readEndBoundary(
  ctx: StepContext,
  table: TableInfo,
  spec: IncrementalSpec,
  where: string,
  edges?: EdgeRows,
): Promise<Boundary | undefined> {
  if (table.rows === 0) return undefined;
  const names = [spec.cursor, ...spec.primaryKey];
  if (edges) {
    const index = names.map((name) => table.columns.findIndex((c) => c.name === name));
    const pick = (row: readonly (string | null)[]) =>
      pickKeyset(
        index.map((i) => row[i]),
        spec,
        where,
      );
    pick(edges.first);
    const [cursor, ...key] = pick(edges.last);
    return { cursor: cursor as string, key };
  }
  // only the cursor and key columns are read: decoding every column to skip a row costs seconds per 1M
  const pick = async (offset: number): Promise<string[]> => {
    for await (const chunk of ctx.dataPlane.readText(table.name, { chunkRows: 1, offset, columns: names })) {
      return pickKeyset(chunk[0] ?? [], spec, where);
    }
    throw new OsirisError('internal', `row ${offset} of ${table.rows} could not be read back`, { where });
  };
  await pick(0);
  const [cursor, ...key] = await pick(table.rows - 1);
  return { cursor: cursor as string, key };
}

/** A scan of a whole table found in a query plan. */
export interface FullScan {
  /** `schema.table` (or the table alone). */
  relation: string;
  /** The plan's estimate of the rows it examines (refined by the caller where the plan has none). */
  rows: number;
}

/** Tables below this many rows are scanned cheaply enough not to warn about. */
export const FULL_SCAN_WARNING_ROWS = 10_000;

/**
 * The whole-table scans of a JSON query plan: PostgreSQL `Seq Scan` nodes (`EXPLAIN (FORMAT JSON,
 * VERBOSE)`), MySQL/MariaDB tables with `access_type: ALL` (`EXPLAIN FORMAT=JSON`).
 */
export function findFullScans(plan: unknown): FullScan[] {
  const found: FullScan[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n['Node Type'] === 'Seq Scan' && typeof n['Relation Name'] === 'string') {
      const schema = typeof n.Schema === 'string' ? `${n.Schema}.` : '';
      found.push({ relation: `${schema}${n['Relation Name']}`, rows: Number(n['Plan Rows'] ?? 0) });
    } else if (n.access_type === 'ALL' && typeof n.table_name === 'string') {
      found.push({ relation: n.table_name, rows: Number(n.rows_examined_per_scan ?? n.rows ?? 0) });
    }
    Object.values(n).forEach(visit);
  };
  visit(plan);
  return found;
}

/**
 * Warn (event `incremental.full_scan` and the log) when an incremental read after a boundary scans a
 * large table: the read costs a full scan on every run, which an index on (cursor, key) avoids.
 */
export function reportFullScans(ctx: StepContext, where: string, scans: readonly FullScan[]): void {
  for (const scan of scans) {
    if (scan.rows < FULL_SCAN_WARNING_ROWS) continue;
    ctx.emit('incremental.full_scan', { relation: scan.relation, rows_estimate: scan.rows });
    ctx.log.warn(
      `${where}: the incremental read scans all of ${scan.relation} (about ${scan.rows} rows) on every run; ` +
        'an index on (cursor, primary key) makes it a range read',
    );
  }
}

/** What an extractor's incremental read is built from. */
export interface IncrementalReadInput {
  /** The source's dialect. */
  dialect: SqlDialect;
  /** The step's incremental config (none: a plain read). */
  spec: IncrementalSpec | undefined;
  /** Where the read starts (none: from `initial`). */
  start: IncrementalStart | undefined;
  /** `chunk_rows`. */
  chunkRows: number | undefined;
  /** The source SELECT. */
  sql: string;
  /** Its columns. */
  columns: readonly ColumnInfo[];
  /** The whole-table scans the source plans for a query. */
  explain: (sql: string) => Promise<FullScan[]>;
  /** Step context (warnings). */
  ctx: StepContext;
  /** Step reference for messages. */
  where: string;
}

/**
 * The tail of an incremental read (`''` for a plain one) and the whole SELECT; a read after a boundary
 * first asks the planner and warns about a full scan (reportFullScans).
 */
export async function planIncrementalRead(
  x: IncrementalReadInput,
): Promise<{ tail: string; select: string }> {
  if (!x.spec) return { tail: '', select: x.sql };
  const start = x.start ?? { after: [] };
  const tail = renderIncrementalTail(x.dialect, x.spec, start, x.columns, x.where, x.chunkRows);
  const select = `SELECT * FROM (${x.sql}) AS ${INCREMENTAL_ALIAS}${tail}`;
  if (start.after.length > 0 || x.spec.initial !== undefined)
    reportFullScans(x.ctx, x.where, await x.explain(select));
  return { tail, select };
}
