/**
 * The DuckDB package the data plane runs on. Components that run DuckDB themselves (the CSV reader and
 * writer, the DuckDB processor) declare it, so a sandbox installs it at this version.
 */
export const DUCKDB_DEPENDENCY = { name: '@duckdb/node-api', version: '1.5.6-r.1' } as const;
