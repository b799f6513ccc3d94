// The runtime's data plane: the deferred plane the step host opens, and the types of the DuckDB plane
// behind it. The DuckDB module itself (duckdb-data-plane.ts) is imported lazily by whoever opens it, so
// this entry exports only its types: importing it never loads DuckDB's native library.
export { createDeferredDataPlane } from './deferred-data-plane.js';
export type { DuckDbOpener, RunDataPlane } from './deferred-data-plane.js';
export type { DuckDbDataPlane, DuckDbDataPlaneOptions } from './duckdb-data-plane.js';
export { aliasOf } from './step-views.js';
