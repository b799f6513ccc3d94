// The library entry (`import … from 'osiris-pipeline'`): compile, run and inspect pipelines from code.
// The CLI is a thin client of exactly this surface; sandbox runs add `osiris-pipeline/remote`.

// Compile and validate
export { compilePipeline, createCatalog } from './api/compile-pipeline.js';
export type { CompilePipelineOptions, CompiledPipeline, LastCompile } from './api/compile-pipeline.js';
export { validateOml } from './compiler/index.js';
export type { ValidateInput } from './compiler/index.js';

// Run
export { runPipeline } from './api/run-pipeline.js';
export type { RunPipelineOptions, RunResult } from './api/run-pipeline.js';
export { readPipelineState, resetPipelineState } from './api/pipeline-state.js';
export type { PipelineStateOptions, StateEntry } from './api/pipeline-state.js';
export { loadLastCompile, loadManifestPlan } from './api/load-compiled-plan.js';
export { readPipelineFile } from './api/read-pipeline-file.js';
export type { LoadPlanInput } from './api/load-compiled-plan.js';
export { createDriverTable } from './api/driver-table.js';
// local sandbox directories of hosts killed with SIGKILL (what `osiris logs gc` sweeps)
export { sweepStaleSandboxes } from './remote/transports/sweep-stale-sandboxes.js';

// Where a command works
export { PROJECT_MARKER, findMarkedProjectDir, resolveProject } from './api/resolve-project.js';
export type { Project, ResolveProjectInput } from './api/resolve-project.js';

// Connections
export { DEFAULT_CONNECTIONS_FILE, loadConnections } from './connections/index.js';
export type { ConnectionsRegistry, ListedConnection, LoadConnectionsInput } from './connections/index.js';
export { probeConnection } from './drivers/index.js';

// Schema discovery (`osiris discover`)
export { discoverConnection, DISCOVERY_DEFAULTS } from './api/discover-connection.js';
export type { DiscoverConnectionOptions, DiscoveredConnection } from './api/discover-connection.js';
export { discoverCsv } from './api/discover-csv.js';
export type { CsvDialectConfig, DiscoverCsvOptions, DiscoveredCsv } from './api/discover-csv.js';
export { createDiscoveryTable } from './api/driver-table.js';
export type {
  DiscoveredColumn,
  DiscoveredSchema,
  DiscoveredTable,
  DiscoveryRequest,
  DiscoveryTable,
  SchemaDiscoverer,
} from './core/discovery.js';

// Sessions and reports
export {
  findSession,
  listSessions,
  readEvents,
  readSessionSnapshot,
  sweepDeadSessions,
} from './session/index.js';
export type { SessionListener, SessionSummary, SweptSession } from './session/index.js';
export * from './report/index.js';

// Contracts, errors and constants
export * from './core/index.js';
