// Builds session snapshots shaped like the runtime's output (same event order and fields), for unit
// tests and the benchmark-sized page. Real sessions from the CLI are used by the browser tests.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ArtifactFile, EventRecord, MetricRecord, SessionSnapshot } from '../../src/core/index.js';

export interface SnapshotStep {
  id: string;
  driver: string;
  mode: 'read' | 'transform' | 'write';
  needs?: string[];
  rows?: number;
}

export interface SnapshotOptions {
  id?: string;
  dir?: string;
  steps: SnapshotStep[];
  /** Step that fails (later steps do not run). */
  failAt?: string;
  failMessage?: string;
  /** Remote run through this transport. */
  remote?: 'e2b' | 'local';
  /** Extra write.progress events per writer step. */
  progressEvents?: number;
  /** Start time (epoch ms). */
  startMs?: number;
  /** Added to every duration (to make runs differ in timing only). */
  jitterMs?: number;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function buildSnapshot(o: SnapshotOptions): SessionSnapshot {
  const id = o.id ?? 'run_1763794801000';
  const dir = o.dir ?? `/tmp/osiris-report-test/logs/${id}`;
  let now = o.startMs ?? 1763794801000;
  const jitter = o.jitterMs ?? 0;
  const events: EventRecord[] = [];
  const metrics: MetricRecord[] = [];
  const tick = (ms: number): string => new Date((now += ms)).toISOString();
  const ev = (event: string, fields: Record<string, unknown> = {}, ms = 1): void => {
    events.push({ ts: tick(ms), session: id, event, ...fields });
  };
  const me = (metric: string, value: number, unit: string, extra: Partial<MetricRecord> = {}): void => {
    metrics.push({ ts: new Date(now).toISOString(), session: id, metric, value, unit, ...extra });
  };
  const manifest = {
    meta: { compiler_version: '0.1.0', oml_version: '0.1.0', profile: 'default' },
    pipeline: { id: 'report-test', name: 'report test', fingerprints: { manifest_fp: sha256('m') } },
    steps: o.steps.map((s) => ({
      id: s.id,
      component: s.driver,
      driver: s.driver,
      mode: s.mode,
      needs: s.needs ?? [],
      cfg_path: `cfg/${s.id}.json`,
    })),
  };
  const manifestText = stringify(manifest);
  ev('run_start', { pipeline_id: 'report-test', manifest_fp: sha256('m'), steps_total: o.steps.length }, 0);
  ev('manifest_materialized', { path: 'manifest.yaml', sha256: sha256(manifestText) });
  for (const s of o.steps)
    ev('cfg_materialized', { step_id: s.id, path: `cfg/${s.id}.json`, sha256: sha256(s.id) });
  me('steps_total', o.steps.length, 'steps');
  if (o.remote) {
    ev('remote.sandbox_created', { transport: o.remote, sandbox_id: 'sbx-8f3a9c2d1e' }, 120 + jitter);
    ev('remote.upload_complete', { files: o.steps.length + 2, bytes: 812345 }, 40);
    ev('remote.worker_started', { transport: o.remote }, 30);
    ev('dependency_check', { missing: [], present: ['@duckdb/node-api'] }, 5);
  }
  const drivers = [...new Set(o.steps.map((s) => s.driver))];
  for (const d of drivers) ev('driver_registered', { driver: d, status: 'ok' });
  ev('drivers_registered', { drivers });
  const artifacts: ArtifactFile[] = [];
  const rowsOf = new Map<string, number>();
  let completed = 0;
  let rowsRead = 0;
  let rowsWritten = 0;
  let failed: { step: string; message: string } | undefined;
  for (const s of o.steps) {
    const startedAt = now;
    ev('step_start', { step_id: s.id, driver: s.driver }, 2);
    ev('artifacts_dir_created', { step_id: s.id, path: `artifacts/${s.id}` });
    ev('cfg_opened', { step_id: s.id, path: `cfg/${s.id}.json` });
    ev('config_meta_stripped', { step_id: s.id, keys: ['_component', '_mode', '_step'] });
    if (s.needs?.length)
      ev('inputs_resolved', {
        step_id: s.id,
        inputs: Object.fromEntries(s.needs.map((n) => [n, { from_step: n, key: 'df' }])),
      });
    const cleaned = `${JSON.stringify({ path: `data/${s.id}.csv`, step: s.id }, null, 2)}\n`;
    artifacts.push({
      path: `artifacts/${s.id}/cleaned_config.json`,
      size: cleaned.length,
      sha256: sha256(cleaned),
      preview: cleaned,
    });
    ev('artifact_created', {
      step_id: s.id,
      path: `artifacts/${s.id}/cleaned_config.json`,
      type: 'cleaned_config',
    });
    const duration = 10 + (s.rows ?? 0) / 100 + jitter;
    if (s.id === o.failAt) {
      const message = o.failMessage ?? `step ${s.id}: Binder Error: Referenced column "nope" not found`;
      ev(
        'step_failed',
        {
          step_id: s.id,
          error: message,
          error_type: 'OsirisError',
          error_code: 'sql_error',
          duration_ms: duration,
        },
        duration,
      );
      me('step_duration_ms', duration, 'ms', { step_id: s.id });
      failed = { step: s.id, message };
      break;
    }
    const rows = s.rows ?? (s.needs ?? []).reduce((n, id) => n + (rowsOf.get(id) ?? 0), 0);
    rowsOf.set(s.id, rows);
    if (s.mode === 'write') {
      for (let i = 0; i < (o.progressEvents ?? 0); i++)
        ev(
          'write.progress',
          { step_id: s.id, rows_written: Math.round((rows * (i + 1)) / ((o.progressEvents ?? 0) + 1)) },
          3,
        );
      ev('write.complete', { step_id: s.id, rows_written: rows, target: `out/${s.id}.csv` }, 1);
      me('rows_written', rows, 'rows', { step_id: s.id });
      rowsWritten += rows;
    }
    if (s.mode === 'read') {
      me('rows_read', rows, 'rows', { step_id: s.id });
      rowsRead += rows;
    }
    me('rows_processed', rows, 'rows', { step_id: s.id });
    me('step_duration_ms', duration, 'ms', { step_id: s.id });
    now = startedAt + duration;
    ev('step_complete', { step_id: s.id, rows_processed: rows, duration_ms: duration }, 0);
    completed++;
  }
  if (o.remote) {
    me('e2b_overhead_ms', 190 + jitter, 'ms', { tags: { transport: o.remote } });
    me('artifacts_copy_ms', 12 + jitter, 'ms', { tags: { transport: o.remote } });
    me('artifacts_bytes_total', 4096, 'bytes', { tags: { transport: o.remote } });
    me('artifacts_files_total', artifacts.length, 'files', { tags: { transport: o.remote } });
    ev('remote.sandbox_killed', { transport: o.remote }, 3);
  }
  ev('cleanup_start', {}, 1);
  ev('cleanup_complete', {}, 1);
  const exitCode = failed ? 1 : 0;
  const durationMs = now - (o.startMs ?? 1763794801000);
  me('steps_completed', completed, 'steps');
  me('execution_duration', durationMs / 1000, 'seconds');
  me('adapter_execution_duration', durationMs / 1000, 'seconds');
  me('adapter_exit_code', exitCode, 'code');
  me('session_duration_seconds', durationMs / 1000, 'seconds');
  ev('run_end', { status: failed ? 'failed' : 'success', exit_code: exitCode, duration_ms: durationMs }, 1);
  return {
    id,
    dir,
    status: {
      session_id: id,
      status: failed ? 'failed' : 'success',
      ok: !failed,
      exit_code: exitCode,
      adapter: o.remote ? 'remote' : 'local',
      ...(o.remote ? { transport: o.remote } : {}),
      pipeline_id: 'report-test',
      steps_total: o.steps.length,
      steps_completed: completed,
      ...(failed ? { failed_step: failed.step, error: { code: 'sql_error', message: failed.message } } : {}),
      started_at: new Date(o.startMs ?? 1763794801000).toISOString(),
      finished_at: new Date(now).toISOString(),
      duration_ms: durationMs,
      rows_read: rowsRead,
      rows_written: rowsWritten,
    },
    events,
    metrics,
    manifestText,
    artifacts,
  };
}

/** extract → transform → write, the small pipeline most tests use. */
export const THREE_STEPS: SnapshotStep[] = [
  { id: 'extract-people', driver: 'filesystem.csv_extractor', mode: 'read', rows: 4 },
  { id: 'adults', driver: 'duckdb.processor', mode: 'transform', needs: ['extract-people'], rows: 3 },
  { id: 'write-adults', driver: 'filesystem.csv_writer', mode: 'write', needs: ['adults'] },
];
