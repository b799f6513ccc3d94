// What the rest of Osiris uses of the drivers: every component's module (spec + driver factory), which
// composition roots bind into a DriverTable, and the connection probe of `osiris connections doctor`.
import type { DriverModule, ResolvedConnection } from '../core/index.js';
import { csvExtractorModule } from './csv/filesystem-csv-extractor.js';
import { csvWriterModule } from './csv/filesystem-csv-writer.js';
import { duckdbProcessorModule } from './duckdb/duckdb-processor.js';
import { mysqlDialect } from './mysql/mysql-dialect.js';
import { mysqlExtractorModule } from './mysql/mysql-extractor.js';
import { mysqlWriterModule } from './mysql/mysql-writer.js';
import { parquetWriterModule } from './parquet/filesystem-parquet-writer.js';
import { probeFilesystemConnection } from './sql/filesystem-connection.js';
import { postgresDialect } from './postgres/postgres-dialect.js';
import { postgresExtractorModule } from './postgres/postgres-extractor.js';
import { postgresWriterModule } from './postgres/postgres-writer.js';
import { supabaseExtractorModule } from './postgres/supabase-extractor.js';
import { supabaseWriterModule } from './postgres/supabase-writer.js';
import type { ProbeResult } from './sql/probe-connection.js';
import { probeSqlConnection } from './sql/probe-connection.js';
import type { SqlDialect, TlsFields } from './sql/sql-dialect.js';

export type { ProbeResult } from './sql/probe-connection.js';

export const DRIVER_MODULES: readonly DriverModule[] = [
  csvExtractorModule,
  csvWriterModule,
  parquetWriterModule,
  duckdbProcessorModule,
  mysqlExtractorModule,
  mysqlWriterModule,
  postgresExtractorModule,
  postgresWriterModule,
  supabaseExtractorModule,
  supabaseWriterModule,
];

/** The SQL databases, one dialect each. */
const SQL_DIALECTS: readonly SqlDialect[] = [mysqlDialect, postgresDialect];

/** Connection family → the dialect that serves it (families without a database have none). */
const DIALECT_BY_FAMILY: ReadonlyMap<string, SqlDialect> = new Map(
  SQL_DIALECTS.flatMap((d) => d.families.map((family) => [family, d] as const)),
);

/** Per database (named by its first family): the connection fields that carry its TLS mode and CA. */
export const TLS_FIELDS: Readonly<Record<string, TlsFields>> = Object.fromEntries(
  SQL_DIALECTS.map((d) => [d.families[0], d.tlsFields]),
);

/** Families `probeConnection` can check. */
export const PROBED_FAMILIES: readonly string[] = [...DIALECT_BY_FAMILY.keys()];

/**
 * Connect to a database connection, run `SELECT 1` and measure (for `osiris connections doctor`); a
 * filesystem connection's base_dir must be a directory (relative to `projectDir`). Never throws; the
 * error is masked. Undefined when there is nothing to check.
 */
export async function probeConnection(
  connection: ResolvedConnection,
  connectTimeoutMs = 10_000,
  projectDir?: string,
): Promise<ProbeResult | undefined> {
  if (connection.family === 'filesystem')
    return projectDir === undefined ? undefined : probeFilesystemConnection(connection, projectDir);
  const dialect = DIALECT_BY_FAMILY.get(connection.family);
  return dialect === undefined ? undefined : probeSqlConnection(connection, dialect, connectTimeoutMs);
}
