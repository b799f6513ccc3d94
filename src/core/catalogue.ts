/**
 * The event and metric catalogue (docs/events-and-metrics.md): the single source of truth for names and required
 * fields. `schemas/*.schema.json` are generated from it (`npm run build` checks them) and a test
 * validates every line of real runs against them.
 */
interface EventEntry {
  readonly required: readonly string[];
  readonly scope: 'run' | 'step' | 'remote';
  readonly doc: string;
}

function defineEvents<T extends Record<string, EventEntry>>(events: T): T {
  return events;
}

export const EVENTS = defineEvents({
  run_start: {
    scope: 'run',
    required: ['pipeline_id', 'manifest_fp', 'steps_total'],
    doc: 'The run begins.',
  },
  manifest_materialized: {
    scope: 'run',
    required: ['path', 'sha256'],
    doc: 'manifest.yaml written into the session.',
  },
  cfg_materialized: {
    scope: 'run',
    required: ['step_id', 'path', 'sha256'],
    doc: 'cfg/<step>.json written into the session.',
  },
  driver_registered: {
    scope: 'run',
    required: ['driver', 'status'],
    doc: 'A driver the manifest uses is available.',
  },
  driver_registration_failed: {
    scope: 'run',
    required: ['driver', 'error'],
    doc: 'A driver the manifest uses is missing.',
  },
  drivers_registered: {
    scope: 'run',
    required: ['drivers'],
    doc: 'All drivers the manifest uses, in manifest order.',
  },
  state_loaded: {
    scope: 'run',
    required: ['step_id', 'after', 'source', 'writers'],
    doc: 'Where an incremental extractor starts: its stored boundary (the smallest of its writers), `initial`, or the beginning.',
  },
  step_start: { scope: 'step', required: ['step_id', 'driver'], doc: 'A step begins.' },
  artifacts_dir_created: { scope: 'step', required: ['step_id', 'path'], doc: 'artifacts/<step>/ created.' },
  cfg_opened: { scope: 'step', required: ['step_id', 'path'], doc: 'The step config was read.' },
  config_meta_stripped: {
    scope: 'step',
    required: ['step_id', 'keys'],
    doc: 'Non-driver keys removed from the config.',
  },
  connection_resolve_start: { scope: 'step', required: ['step_id', 'ref'], doc: 'Connection lookup begins.' },
  connection_resolve_complete: {
    scope: 'step',
    required: ['step_id', 'family', 'alias', 'ok'],
    doc: 'Connection lookup finished.',
  },
  inputs_resolved: {
    scope: 'step',
    required: ['step_id', 'inputs'],
    doc: 'Upstream outputs bound to input names.',
  },
  input_resolution_failed: {
    scope: 'step',
    required: ['step_id', 'input', 'error'],
    doc: 'An upstream output is missing.',
  },
  artifact_created: {
    scope: 'step',
    required: ['step_id', 'path', 'type'],
    doc: 'A file was written under artifacts/.',
  },
  'table.exists_check': {
    scope: 'step',
    required: ['step_id', 'table', 'exists'],
    doc: 'Writer checked the target table.',
  },
  'table.ddl_planned': {
    scope: 'step',
    required: ['step_id', 'table', 'ddl'],
    doc: 'Writer planned a CREATE TABLE.',
  },
  'table.ddl_executed': { scope: 'step', required: ['step_id', 'table'], doc: 'Writer created the table.' },
  'write.progress': {
    scope: 'step',
    required: ['step_id', 'rows_written'],
    doc: 'Rows written so far (at most once a second).',
  },
  'write.load_path': {
    scope: 'step',
    required: ['step_id', 'target', 'path'],
    doc: "How a database writer loads a CSV extractor's file: `pass_through` (its bytes as they are, the database parses them) or `typed` (parsed first; `reason` says why).",
  },
  'write.complete': {
    scope: 'step',
    required: ['step_id', 'rows_written', 'target'],
    doc: 'A writer finished.',
  },
  'incremental.full_scan': {
    scope: 'step',
    required: ['step_id', 'relation', 'rows_estimate'],
    doc: 'An incremental read after a boundary scans a whole large table (the planner says so): an index on (cursor, key) is missing.',
  },
  state_committed: {
    scope: 'step',
    required: ['step_id', 'extractor', 'boundary', 'rows', 'store'],
    doc: "A writer stored an incremental extractor's new boundary with its rows.",
  },
  step_complete: {
    scope: 'step',
    required: ['step_id', 'rows_processed', 'duration_ms'],
    doc: 'A step succeeded.',
  },
  step_failed: {
    scope: 'step',
    required: ['step_id', 'error', 'error_type', 'error_code', 'duration_ms'],
    doc: 'A step failed.',
  },
  cleanup_start: { scope: 'run', required: [], doc: 'Cleanup of the work area begins.' },
  cleanup_complete: { scope: 'run', required: [], doc: 'Cleanup finished.' },
  run_end: { scope: 'run', required: ['status', 'exit_code', 'duration_ms'], doc: 'The run is over.' },
  dependency_check: {
    scope: 'remote',
    required: ['missing', 'present'],
    doc: 'Worker checked runtime dependencies.',
  },
  dependency_installed: {
    scope: 'remote',
    required: ['packages'],
    doc: 'Worker installed missing dependencies.',
  },
});
export type EventName = keyof typeof EVENTS;

interface MetricEntry {
  readonly unit: string;
  readonly stepScoped: boolean;
  readonly remoteOnly: boolean;
  readonly doc: string;
}

function defineMetrics<T extends Record<string, MetricEntry>>(metrics: T): T {
  return metrics;
}

export const METRICS = defineMetrics({
  steps_total: { unit: 'steps', stepScoped: false, remoteOnly: false, doc: 'Steps in the manifest.' },
  steps_completed: { unit: 'steps', stepScoped: false, remoteOnly: false, doc: 'Steps that succeeded.' },
  step_duration_ms: { unit: 'ms', stepScoped: true, remoteOnly: false, doc: 'Wall time of a step.' },
  rows_read: { unit: 'rows', stepScoped: true, remoteOnly: false, doc: 'Rows an extractor read.' },
  rows_written: {
    unit: 'rows',
    stepScoped: true,
    remoteOnly: false,
    doc: 'Rows a writer wrote (confirmed).',
  },
  rows_processed: {
    unit: 'rows',
    stepScoped: true,
    remoteOnly: false,
    doc: 'Rows a step produced or consumed.',
  },
  execution_duration: {
    unit: 'seconds',
    stepScoped: false,
    remoteOnly: false,
    doc: 'Time spent executing steps.',
  },
  adapter_execution_duration: {
    unit: 'seconds',
    stepScoped: false,
    remoteOnly: false,
    doc: 'Adapter prepare+execute+collect.',
  },
  adapter_exit_code: { unit: 'code', stepScoped: false, remoteOnly: false, doc: 'Exit code of the run.' },
  session_duration_seconds: { unit: 'seconds', stepScoped: false, remoteOnly: false, doc: 'Whole session.' },
  e2b_overhead_ms: {
    unit: 'ms',
    stepScoped: false,
    remoteOnly: true,
    doc: 'Sandbox create + upload + worker start.',
  },
  artifacts_copy_ms: {
    unit: 'ms',
    stepScoped: false,
    remoteOnly: true,
    doc: 'Download of artifacts and outputs.',
  },
  artifacts_bytes_total: { unit: 'bytes', stepScoped: false, remoteOnly: true, doc: 'Bytes downloaded.' },
  artifacts_files_total: { unit: 'files', stepScoped: false, remoteOnly: true, doc: 'Files downloaded.' },
});
export type MetricName = keyof typeof METRICS;

/** Records only a remote run may have, besides every `remote.*` event. */
export const REMOTE_ONLY_EVENTS: readonly string[] = Object.entries(EVENTS)
  .filter(([, e]) => e.scope === 'remote')
  .map(([name]) => name);
export const REMOTE_ONLY_METRICS: readonly string[] = Object.entries(METRICS)
  .filter(([, m]) => m.remoteOnly)
  .map(([name]) => name);

/**
 * Events whose number depends on elapsed time (write.progress: at most one a second), so two runs of
 * the same manifest may have a different count; parity comparison leaves them out.
 */
export const TIMING_EVENTS: readonly string[] = ['write.progress'];

/** Prefix of free-form remote-only events (`remote.sandbox_created`, ...). */
export const REMOTE_EVENT_PREFIX = 'remote.';

/** Fields of an event besides ts/session/event. */
export type EventFields = Record<string, unknown>;

/** Options of a metric line. */
export interface MetricOptions {
  /** Unit; defaults to the catalogue's. */
  unit?: string;
  /** Step the metric belongs to. */
  step_id?: string;
  /** Extra dimensions, e.g. `{ transport: 'e2b' }`. */
  tags?: Record<string, string>;
}

/** Where events and metrics go; the session writer is the one implementation that writes files. */
export interface EventSink {
  /** Record an event (the sink adds ts and session). */
  event(name: EventName | `remote.${string}`, fields?: EventFields): void;
  /** Record a metric. */
  metric(name: MetricName, value: number, options?: MetricOptions): void;
}
