/** Files every session directory holds after any run (docs/session-directory.md). */
export const MUST_EXIST_FILES = [
  'manifest.yaml',
  'cfg',
  'events.jsonl',
  'metrics.jsonl',
  'status.json',
  'osiris.log',
  'debug.log',
  'artifacts',
] as const;

/** Extra file of remote runs. */
export const REMOTE_ONLY_FILES = ['commands.jsonl'] as const;

/** Prefix of session directories: `run_<epoch ms>`. */
export const SESSION_PREFIX = 'run_';

/** status.json (docs/session-directory.md). */
export interface SessionStatus {
  /** `run_<id>`. */
  session_id: string;
  /** success | failed. */
  status: 'success' | 'failed';
  /** status === 'success'. */
  ok: boolean;
  /** Process exit code: 0, 1 or 130. */
  exit_code: number;
  /** local | remote. */
  adapter: 'local' | 'remote';
  /** Transport of remote runs. */
  transport?: string;
  /** Pipeline id from the manifest. */
  pipeline_id: string;
  /** Steps in the manifest. */
  steps_total: number;
  /** Steps that succeeded. */
  steps_completed: number;
  /** The step that failed, if one did (the first, when concurrent steps failed). */
  failed_step?: string;
  /** A failed run: the steps that never started, in manifest order (absent when every step started). */
  steps_not_started?: string[];
  /** Stable code and masked message of the failure. */
  error?: { code: string; message: string };
  /** ISO-8601 UTC. */
  started_at: string;
  /** ISO-8601 UTC. */
  finished_at: string;
  /** Wall time of the run. */
  duration_ms: number;
  /** Sum of rows_read over steps. */
  rows_read: number;
  /** Sum of rows_written over steps. */
  rows_written: number;
}

/** One line of events.jsonl. */
export interface EventRecord {
  /** ISO-8601 UTC. */
  ts: string;
  /** `run_<id>`. */
  session: string;
  /** Event name. */
  event: string;
  /** Fields. */
  [field: string]: unknown;
}

/** One line of metrics.jsonl. */
export interface MetricRecord {
  /** ISO-8601 UTC. */
  ts: string;
  /** `run_<id>`. */
  session: string;
  /** Metric name. */
  metric: string;
  /** Value. */
  value: number;
  /** Unit. */
  unit?: string;
  /** Step of step-scoped metrics. */
  step_id?: string;
  /** Dimensions. */
  tags?: Record<string, string>;
}

/** A file under a session's artifacts/ directory. */
export interface ArtifactFile {
  /** Path relative to the session directory (`artifacts/<step>/…`). */
  path: string;
  /** Size in bytes. */
  size: number;
  /** `sha256:<hex>` of the content. */
  sha256: string;
  /** First bytes as UTF-8 text, for text/JSON previews (undefined for binary files). */
  preview?: string;
}

/** Everything a report or a comparison reads of a session (already masked on disk). */
export interface SessionSnapshot {
  /** `run_<id>`. */
  id: string;
  /** Absolute directory. */
  dir: string;
  /** status.json (undefined when missing). */
  status: SessionStatus | undefined;
  /** events.jsonl lines. */
  events: EventRecord[];
  /** metrics.jsonl lines. */
  metrics: MetricRecord[];
  /** manifest.yaml text ('' when missing). */
  manifestText: string;
  /** Files under artifacts/, sorted by path. */
  artifacts: ArtifactFile[];
}
