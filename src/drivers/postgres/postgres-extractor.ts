import type { ColumnInfo, ComponentSpec, DriverModule } from '../../core/index.js';
import { createExtractorSchema, readExtractorConfig } from '../sql/database-config.js';
import { readDatabaseEndpoint } from '../sql/database-endpoint.js';
import type { PostgresSession } from './postgres-client.js';
import type { PostgresFlavour } from './postgres-flavours.js';
import { POSTGRES_FLAVOURS } from './postgres-flavours.js';
import { POSTGRES_RUNTIME_DEPENDENCIES, postgresDialect } from './postgres-dialect.js';
import type { CanonicalCellKind } from './postgres-column-types.js';
import {
  POSTGRES_UNRENDERABLE_TYPES,
  mapPostgresField,
  readCanonicalCellKind,
} from './postgres-column-types.js';
import { findFullScans, planIncrementalRead } from '../sql/incremental-read.js';
import type { FullScan } from '../sql/incremental-read.js';
import { renderSourceSelect, runExtraction } from '../sql/run-extraction.js';

/**
 * How each column's cells become canonical CSV (every value in the canonical form of its data-plane
 * type) as the client copies COPY's rows, so they can be handed over without a pass through DuckDB:
 * booleans and doubles are rewritten by the client (the server's CPU is what bounds a COPY, and
 * rendering them there cost it ~10 %); everything else already is canonical as PostgreSQL prints it.
 * Undefined when a column's canonical text is out of reach (a FLOAT): the data plane parses the rows.
 */
export function planCanonicalCells(
  columns: readonly ColumnInfo[],
): (CanonicalCellKind | undefined)[] | undefined {
  if (columns.some((c) => POSTGRES_UNRENDERABLE_TYPES.has(c.type))) return undefined;
  return columns.map((c) => readCanonicalCellKind(c.type));
}

/**
 * A table comes out in its stored order, the same in every run: no parallel workers (Gather interleaves
 * their rows), no synchronized scan (it starts where another scan of the table is), and no JIT (its
 * compile time outweighs what it saves on a COPY). Sent with the session's opening settings: a round
 * trip fewer, which counts on a remote database.
 */
const KEEP_TABLE_ORDER =
  'SET max_parallel_workers_per_gather = 0; SET synchronize_seqscans = off; SET jit = off';

/**
 * The whole-table scans PostgreSQL plans for `sql`, each with the larger of the plan's row estimate and the
 * table's own (the plan counts rows after the filter). None when EXPLAIN fails: it only feeds a warning.
 */
async function explainScans(session: PostgresSession, sql: string): Promise<FullScan[]> {
  try {
    const plan = await session.query(`EXPLAIN (FORMAT JSON, VERBOSE) ${sql}`);
    const scans = findFullScans(JSON.parse(plan.rows[0]?.[0] ?? 'null'));
    for (const scan of scans) {
      const [schema, table] = scan.relation.includes('.')
        ? scan.relation.split('.', 2)
        : ['public', scan.relation];
      const size = await session.query(
        `SELECT GREATEST(c.reltuples, pg_relation_size(c.oid) / 100)::bigint FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
        [schema, table],
      );
      scan.rows = Math.max(scan.rows, Number(size.rows[0]?.[0] ?? 0));
    }
    return scans;
  } catch {
    return [];
  }
}

function createSpec(family: PostgresFlavour): ComponentSpec {
  const { label } = POSTGRES_FLAVOURS[family];
  return {
    name: `${family}.extractor`,
    version: '1.0.0',
    title: `Read a ${label} query or table into the data plane (COPY TO STDOUT, exact types)`,
    modes: ['read'],
    configSchema: createExtractorSchema(family),
    secrets: [],
    connectionFamilies: [family],
    handover: { streams: true },
    pathKeys: [],
    runtimeDependencies: POSTGRES_RUNTIME_DEPENDENCIES,
    example: {
      connection: `@${family}.main`,
      table: 'movies',
      schema: 'public',
      columns: ['id', 'title', 'budget_usd'],
    },
  };
}

/** A PostgreSQL-protocol extractor for a connection family (`postgres`, or `supabase` which is PostgreSQL). */
export function createPostgresExtractorModule(family: PostgresFlavour): DriverModule {
  return {
    spec: createSpec(family),
    create: () => ({
      async run({ config, connection, ctx, incremental }) {
        const where = `step ${ctx.stepId}`;
        const cfg = readExtractorConfig(config);
        const endpoint = readDatabaseEndpoint(connection, where);
        const sql = renderSourceSelect(postgresDialect, cfg.source);
        return runExtraction(
          ctx,
          where,
          cfg.retry,
          async () => {
            const session = await postgresDialect.open(endpoint, {
              connectTimeoutMs: cfg.connectTimeoutMs,
              where,
              statementTimeoutMs: cfg.statementTimeoutMs,
              ...(cfg.source.kind === 'table' ? { settings: KEEP_TABLE_ORDER } : {}),
            });
            try {
              // LIMIT 0: the planner describes the result without reading a row.
              const described = await session.query(`SELECT * FROM (${sql}) AS osiris_described LIMIT 0`);
              const columns = described.fields.map(mapPostgresField);
              const { select } = await planIncrementalRead({
                dialect: postgresDialect,
                spec: cfg.incremental,
                start: incremental,
                chunkRows: cfg.chunkRows,
                sql,
                columns,
                explain: (text) => explainScans(session, text),
                ctx,
                where,
              });
              const kinds = planCanonicalCells(columns);
              const copySql = `COPY (${select}) TO STDOUT (FORMAT csv)`;
              return {
                columns,
                method: kinds
                  ? 'COPY TO STDOUT (canonical CSV, handed over unparsed)'
                  : 'COPY TO STDOUT (FORMAT csv), parsed by the data plane',
                canonical: kinds !== undefined,
                produce: (sink) => session.copyOut(copySql, sink, kinds),
                close: () => session.close(),
                destroy: () => session.destroy(),
              };
            } catch (error) {
              await session.close();
              throw error;
            }
          },
          cfg.incremental,
        );
      },
    }),
  };
}

/** `postgres.extractor`. */
export const postgresExtractorModule: DriverModule = createPostgresExtractorModule('postgres');
