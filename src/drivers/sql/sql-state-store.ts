/**
 * Incremental state in a database writer's target (docs/incremental.md): the `osiris_state` table beside
 * the target table, one row per pipeline, extractor step and writer step. The writer upserts its rows in
 * the transaction of its load; `osiris state` and the host's state read use the store below.
 */
import type {
  PendingState,
  ResolvedConnection,
  StateKey,
  StateRecord,
  StateStore,
} from '../../core/index.js';
import { OsirisError, STATE_TABLE } from '../../core/index.js';
import { readDatabaseEndpoint } from './database-endpoint.js';
import type { SqlDialect, SqlSession, TableRef } from './sql-dialect.js';
import { quoteTableRef } from './sql-dialect.js';

/** Columns of the state table, in order. */
const STATE_COLUMNS = [
  'pipeline_id',
  'extractor_step',
  'writer_step',
  'cursor_column',
  'primary_key',
  'boundary',
  'rows_read',
  'committed_at',
] as const;
const KEY_COLUMNS = STATE_COLUMNS.slice(0, 3);

/** The state table of a target table: the same schema (or database). */
export function locateStateTable(target: TableRef): TableRef {
  return { schema: target.schema, table: STATE_TABLE };
}

/** The state table of a target as messages and events name it (`schema.osiris_state`). */
export function nameStateTable(target: TableRef): string {
  const ref = locateStateTable(target);
  return ref.schema ? `${ref.schema}.${ref.table}` : ref.table;
}

/** CREATE TABLE IF NOT EXISTS for the state table (MySQL: before the transaction, its DDL commits). */
export function renderStateTableDdl(dialect: SqlDialect, ref: TableRef): string {
  const q = (n: string): string => dialect.quoteIdentifier(n);
  const id = 'VARCHAR(190) NOT NULL';
  const text = dialect.mapColumnType('VARCHAR', false);
  const tail = dialect.tableOptions ? ` ${dialect.tableOptions}` : '';
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteTableRef(dialect, ref)} (${q('pipeline_id')} ${id}, ` +
    `${q('extractor_step')} ${id}, ${q('writer_step')} ${id}, ${q('cursor_column')} ${text} NOT NULL, ` +
    `${q('primary_key')} ${text} NOT NULL, ${q('boundary')} ${text} NOT NULL, ${q('rows_read')} BIGINT NOT NULL, ` +
    `${q('committed_at')} VARCHAR(40) NOT NULL, PRIMARY KEY (${KEY_COLUMNS.map(q).join(', ')}))${tail}`
  );
}

/** One INSERT … upsert of the state rows a writer commits with its load. */
export function renderStateUpsert(
  dialect: SqlDialect,
  ref: TableRef,
  key: { pipelineId: string; writerStep: string },
  states: readonly PendingState[],
  committedAt: string,
): string {
  const q = (n: string): string => dialect.quoteIdentifier(n);
  const text = (value: string): string => dialect.renderLiteral(value, 'VARCHAR', 'state', key.writerStep);
  const rows = states.map((s) =>
    [
      text(key.pipelineId),
      text(s.extractorStep),
      text(key.writerStep),
      text(s.cursor),
      text(JSON.stringify(s.primaryKey)),
      text(JSON.stringify({ cursor: s.boundary.cursor, key: s.boundary.key })),
      String(s.rows),
      text(committedAt),
    ].join(', '),
  );
  const updates = STATE_COLUMNS.slice(3);
  return (
    `INSERT INTO ${quoteTableRef(dialect, ref)} (${STATE_COLUMNS.map(q).join(', ')}) VALUES ` +
    `${rows.map((r) => `(${r})`).join(', ')} ${dialect.renderUpsertClause([...KEY_COLUMNS], updates)}`
  );
}

/** A state row as read back (every column as text). */
function decodeStateRow(row: readonly (string | null)[], location: string): StateRecord {
  const [pipelineId, extractorStep, writerStep, cursor, primaryKey, boundary, rows, committedAt] = row;
  try {
    const b = JSON.parse(boundary ?? '') as { cursor: unknown; key: unknown };
    if (typeof b.cursor !== 'string' || !Array.isArray(b.key)) throw new Error('not a boundary');
    return {
      pipelineId: pipelineId ?? '',
      extractorStep: extractorStep ?? '',
      writerStep: writerStep ?? '',
      cursor: cursor ?? '',
      primaryKey: JSON.parse(primaryKey ?? '[]') as string[],
      boundary: { cursor: b.cursor, key: b.key.map(String) },
      rows: Number(rows),
      committedAt: committedAt ?? '',
    };
  } catch {
    throw new OsirisError(
      'config_error',
      `${location}: the state row of ${extractorStep} → ${writerStep} is not one Osiris wrote; ` +
        'reset it (osiris state reset) before the next incremental run',
    );
  }
}

/** The state store of a database writer's config: the state table beside its target. */
export function openSqlStateStore(
  dialect: SqlDialect,
  target: TableRef,
  connection: ResolvedConnection | undefined,
  where: string,
): StateStore {
  const ref = locateStateTable(target);
  const location = nameStateTable(target);
  let opened: Promise<SqlSession> | undefined;
  const session = (): Promise<SqlSession> =>
    (opened ??= dialect.open(readDatabaseEndpoint(connection, where), { connectTimeoutMs: 10_000, where }));
  const q = (n: string): string => dialect.quoteIdentifier(n);
  const text = (value: string): string => dialect.renderLiteral(value, 'VARCHAR', 'state', where);
  const exists = async (s: SqlSession): Promise<boolean> => {
    const schema = ref.schema === undefined ? dialect.currentSchemaSql : text(ref.schema);
    const found = await s.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = ${text(ref.table)}`,
    );
    return found.rows.length > 0;
  };
  const keyWhere = (k: StateKey): string =>
    `${q('pipeline_id')} = ${text(k.pipelineId)} AND ${q('extractor_step')} = ${text(k.extractorStep)} AND ` +
    `${q('writer_step')} = ${text(k.writerStep)}`;
  return {
    location,
    async list(pipelineId) {
      const s = await session();
      if (!(await exists(s))) return [];
      const result = await s.query(
        `SELECT ${STATE_COLUMNS.map(q).join(', ')} FROM ${quoteTableRef(dialect, ref)} ` +
          `WHERE ${q('pipeline_id')} = ${text(pipelineId)} ORDER BY ${q('extractor_step')}, ${q('writer_step')}`,
      );
      return result.rows.map((row) => decodeStateRow(row, location));
    },
    async reset(key) {
      const s = await session();
      if (!(await exists(s))) return 0;
      const table = quoteTableRef(dialect, ref);
      const count = await s.query(`SELECT count(*) FROM ${table} WHERE ${keyWhere(key)}`);
      await s.query(`DELETE FROM ${table} WHERE ${keyWhere(key)}`);
      return Number(count.rows[0]?.[0] ?? 0);
    },
    async close() {
      const s = opened;
      opened = undefined;
      const open = await s?.catch(() => undefined);
      await open?.close();
    },
  };
}
