import { parse } from 'yaml';
import type { EventRecord, SessionSnapshot } from '../core/index.js';
import { REMOTE_EVENT_PREFIX } from '../core/index.js';

/** What happened to a step. */
export type StepState = 'success' | 'failed' | 'running' | 'not_run';

/** One step as the report shows it. */
export interface ReportStep {
  /** Step id. */
  id: string;
  /** Position in the manifest (0-based). */
  index: number;
  /** Driver (component) name. */
  driver: string;
  /** read | transform | write ('' when unknown). */
  mode: string;
  /** Upstream step ids. */
  needs: string[];
  /** Outcome; `running` = started but never finished (crash, interrupt). */
  state: StepState;
  /** Epoch ms of step_start. */
  startMs?: number;
  /** Epoch ms of step_complete/step_failed (or the run's end for a step that never finished). */
  endMs?: number;
  /** duration_ms of the step's end event, else step_duration_ms. */
  durationMs?: number;
  /** rows_read metric, else the rows the upstream steps produced. */
  rowsIn?: number;
  /** rows_written metric, else rows_processed. */
  rowsOut?: number;
  /** Failure of the step. */
  error?: { message: string; code: string; type: string };
  /** Events that carry this step id. */
  eventCount: number;
}

/** One phase of a remote run's overhead. */
export interface OverheadPhase {
  /** Label. */
  label: string;
  /** Milliseconds, undefined when the session lacks the markers. */
  ms?: number;
}

/** Remote run facts: phases, totals and dependencies. */
export interface RemoteOverhead {
  /** Transport name. */
  transport: string;
  /** Sandbox create, upload, worker start, dependencies, steps, download. */
  phases: OverheadPhase[];
  /** e2b_overhead_ms metric. */
  overheadMs?: number;
  /** artifacts_bytes_total metric. */
  bytes?: number;
  /** artifacts_files_total metric. */
  files?: number;
  /** dependency_check fields. */
  dependencies?: { missing: unknown; present: unknown; installed?: unknown };
}

/** The facts a report page shows, derived from a snapshot only. */
export interface SessionModel {
  /** `run_<id>`. */
  id: string;
  /** Pipeline id. */
  pipelineId: string;
  /** Pipeline name from the manifest. */
  pipelineName: string;
  /** success | failed | incomplete (no status.json). */
  state: 'success' | 'failed' | 'incomplete';
  /** local | remote | unknown. */
  adapter: string;
  /** Transport of a remote run. */
  transport?: string;
  /** Steps in manifest order (or in event order without a manifest). */
  steps: ReportStep[];
  /** Epoch ms of the first event. */
  startMs?: number;
  /** Epoch ms of the last event. */
  endMs?: number;
  /** Why the manifest could not be read, if it could not. */
  manifestProblem?: string;
  /** Remote facts (remote runs only). */
  remote?: RemoteOverhead;
}

interface ManifestShape {
  pipeline?: { id?: unknown; name?: unknown };
  steps?: Array<{ id?: unknown; driver?: unknown; component?: unknown; mode?: unknown; needs?: unknown }>;
}

function parseTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : undefined;
}

function readManifest(text: string): { manifest?: ManifestShape; problem?: string } {
  if (text.trim() === '') return { problem: 'manifest.yaml is missing or empty' };
  try {
    const value = parse(text) as unknown;
    if (!value || typeof value !== 'object') return { problem: 'manifest.yaml is not a mapping' };
    return { manifest: value as ManifestShape };
  } catch (error) {
    return { problem: `manifest.yaml does not parse: ${(error as Error).message.split('\n')[0]}` };
  }
}

function createStep(id: string, index: number, driver = '', mode = '', needs: string[] = []): ReportStep {
  return { id, index, driver, mode, needs, state: 'not_run', eventCount: 0 };
}

function listManifestSteps(manifest: ManifestShape | undefined): ReportStep[] {
  if (!Array.isArray(manifest?.steps)) return [];
  return manifest.steps
    .filter((s) => s && typeof s.id === 'string')
    .map((s, i) =>
      createStep(
        String(s.id),
        i,
        String(s.driver ?? s.component ?? ''),
        String(s.mode ?? ''),
        Array.isArray(s.needs) ? s.needs.map(String) : [],
      ),
    );
}

function applyStepEvent(step: ReportStep, e: EventRecord, runEndMs: number | undefined): void {
  step.eventCount++;
  const at = parseTime(e.ts);
  if (e.event === 'step_start') {
    step.state = 'running';
    step.startMs = at;
    if (!step.driver && typeof e.driver === 'string') step.driver = e.driver;
    step.endMs = runEndMs;
  } else if (e.event === 'step_complete' || e.event === 'step_failed') {
    step.state = e.event === 'step_complete' ? 'success' : 'failed';
    step.endMs = at;
    if (typeof e.duration_ms === 'number') step.durationMs = e.duration_ms;
    if (e.event === 'step_failed') {
      step.error = {
        message: String(e.error ?? ''),
        code: String(e.error_code ?? ''),
        type: String(e.error_type ?? ''),
      };
    }
  }
}

function applyStepMetrics(snapshot: SessionSnapshot, byId: Map<string, ReportStep>): void {
  const sums = new Map<string, Map<string, number>>();
  for (const m of snapshot.metrics) {
    if (typeof m.step_id !== 'string' || typeof m.value !== 'number') continue;
    const perStep = sums.get(m.step_id) ?? new Map<string, number>();
    perStep.set(m.metric, (perStep.get(m.metric) ?? 0) + m.value);
    sums.set(m.step_id, perStep);
  }
  for (const step of byId.values()) {
    const m = sums.get(step.id);
    if (!m) continue;
    step.durationMs ??= m.get('step_duration_ms');
    step.rowsOut = m.get('rows_written') ?? m.get('rows_processed');
    if (m.has('rows_read')) step.rowsIn = m.get('rows_read');
  }
  for (const step of byId.values()) {
    if (step.rowsIn !== undefined || step.needs.length === 0 || step.state === 'not_run') continue;
    const upstream = step.needs.map((id) => byId.get(id)?.rowsOut);
    if (upstream.every((n) => n !== undefined))
      step.rowsIn = upstream.reduce((a, b) => (a ?? 0) + (b ?? 0), 0);
  }
}

function sumMetric(snapshot: SessionSnapshot, name: string): number | undefined {
  let total: number | undefined;
  for (const m of snapshot.metrics)
    if (m.metric === name && typeof m.value === 'number') total = (total ?? 0) + m.value;
  return total;
}

function describeRemote(snapshot: SessionSnapshot, steps: ReportStep[], transport: string): RemoteOverhead {
  const at = (name: string): number | undefined =>
    parseTime(snapshot.events.find((e) => e.event === name)?.ts);
  // a pooled run gets its sandbox by reuse instead of a create: the same phase
  const isAcquired = (e: { event?: unknown }): boolean =>
    e.event === 'remote.sandbox_created' || e.event === 'remote.sandbox_reused';
  const createdIndex = snapshot.events.findIndex(isAcquired);
  const before = createdIndex > 0 ? snapshot.events[createdIndex - 1] : snapshot.events[0];
  const prepareStart = parseTime(before?.ts);
  const created = parseTime(snapshot.events[createdIndex]?.ts);
  const uploaded = at('remote.upload_complete');
  const started = at('remote.worker_started');
  const starts = steps.map((s) => s.startMs).filter((n): n is number => n !== undefined);
  const ends = steps
    .filter((s) => s.state === 'success' || s.state === 'failed')
    .map((s) => s.endMs as number);
  const firstStep = starts.length > 0 ? Math.min(...starts) : undefined;
  const lastEnd = ends.length > 0 ? Math.max(...ends) : undefined;
  const span = (from: number | undefined, to: number | undefined): number | undefined =>
    from !== undefined && to !== undefined && to >= from ? to - from : undefined;
  const check = snapshot.events.find((e) => e.event === 'dependency_check');
  const installed = snapshot.events.find((e) => e.event === 'dependency_installed');
  const out: RemoteOverhead = {
    transport,
    phases: [
      { label: 'sandbox create', ms: span(prepareStart, created) },
      { label: 'upload', ms: span(created, uploaded) },
      { label: 'worker start', ms: span(uploaded, started) },
      { label: 'dependencies + prepare', ms: span(started, firstStep) },
      { label: 'steps', ms: span(firstStep, lastEnd) },
      { label: 'download', ms: sumMetric(snapshot, 'artifacts_copy_ms') },
    ],
    overheadMs: sumMetric(snapshot, 'e2b_overhead_ms'),
    bytes: sumMetric(snapshot, 'artifacts_bytes_total'),
    files: sumMetric(snapshot, 'artifacts_files_total'),
  };
  if (check)
    out.dependencies = {
      missing: check.missing,
      present: check.present,
      ...(installed ? { installed: installed.packages } : {}),
    };
  return out;
}

/** Derive the report's model from a session snapshot (pure; reads nothing else). */
export function summarizeSession(snapshot: SessionSnapshot): SessionModel {
  const { manifest, problem } = readManifest(snapshot.manifestText);
  const steps = listManifestSteps(manifest);
  const byId = new Map(steps.map((s) => [s.id, s]));
  let startMs: number | undefined;
  let endMs: number | undefined;
  for (const e of snapshot.events) {
    const t = parseTime(e.ts);
    if (t === undefined) continue;
    if (startMs === undefined || t < startMs) startMs = t;
    if (endMs === undefined || t > endMs) endMs = t;
  }
  let remoteSeen = false;
  for (const e of snapshot.events) {
    if (String(e.event).startsWith(REMOTE_EVENT_PREFIX)) remoteSeen = true;
    if (typeof e.step_id !== 'string') continue;
    let step = byId.get(e.step_id);
    if (!step) {
      // a step the manifest lacks (or no manifest): still show what the events say
      step = createStep(e.step_id, steps.length);
      steps.push(step);
      byId.set(step.id, step);
    }
    applyStepEvent(step, e, endMs);
  }
  applyStepMetrics(snapshot, byId);
  const status = snapshot.status;
  const runStart = snapshot.events.find((e) => e.event === 'run_start');
  const adapter = status?.adapter ?? (remoteSeen ? 'remote' : 'unknown');
  const transport =
    status?.transport ??
    (snapshot.events.find((e) => typeof e.transport === 'string')?.transport as string | undefined);
  const model: SessionModel = {
    id: snapshot.id,
    pipelineId: String(status?.pipeline_id ?? manifest?.pipeline?.id ?? runStart?.pipeline_id ?? '?'),
    pipelineName: String(manifest?.pipeline?.name ?? ''),
    state: status ? (status.ok ? 'success' : 'failed') : 'incomplete',
    adapter,
    steps,
  };
  if (transport) model.transport = transport;
  if (startMs !== undefined) model.startMs = startMs;
  if (endMs !== undefined) model.endMs = endMs;
  if (problem) model.manifestProblem = problem;
  if (adapter === 'remote') model.remote = describeRemote(snapshot, steps, transport ?? '?');
  return model;
}
