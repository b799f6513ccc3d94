import type { EventRecord, MetricRecord, SessionSnapshot } from '../core/index.js';
import {
  REMOTE_EVENT_PREFIX,
  REMOTE_ONLY_EVENTS,
  REMOTE_ONLY_METRICS,
  TIMING_EVENTS,
  sortKeys,
} from '../core/index.js';

/** Stands in for a value that may differ between runs (durations). */
export const DROPPED_VALUE = '<dropped>';
/** Stands in for the session directory inside strings. */
export const SESSION_DIR_PLACEHOLDER = '<session-dir>';
/** Stands in for the session id inside strings. */
export const SESSION_ID_PLACEHOLDER = '<session>';
/** Stands in for a sandbox id. */
export const SANDBOX_PLACEHOLDER = '<sandbox>';
/** Stands in for any other absolute path. */
export const PATH_PLACEHOLDER = '<path>';

/** An event after normalization (docs/report.md). */
export interface NormalizedEvent {
  /** Event name. */
  event: string;
  /** Fields without ts/session, durations dropped, paths and ids replaced; keys sorted. */
  fields: Record<string, unknown>;
  /** 1-based position of the record in the session's events.jsonl records. */
  line: number;
}

/** A metric after normalization. */
export interface NormalizedMetric {
  /** Metric name. */
  metric: string;
  /** Value, or DROPPED_VALUE for durations. */
  value: number | string;
  /** Unit, when the line has one. */
  unit?: string;
  /** Step of step-scoped metrics. */
  step_id?: string;
  /** Dimensions (strings normalized). */
  tags?: Record<string, string>;
}

/** A session reduced to what must be equal between a local and a remote run. */
export interface NormalizedSession {
  /** Events in order. */
  events: NormalizedEvent[];
  /** Metrics in file order (compared as a multiset). */
  metrics: NormalizedMetric[];
}

/** Fields and metrics whose values are wall-clock measurements. */
export function isDurationName(name: string): boolean {
  return name.endsWith('_ms') || name.includes('duration');
}

/** Events parity ignores: remote-only ones (docs/events-and-metrics.md) and timing-paced ones (write.progress). */
export function isIgnoredByParity(name: string): boolean {
  return (
    name.startsWith(REMOTE_EVENT_PREFIX) || REMOTE_ONLY_EVENTS.includes(name) || TIMING_EVENTS.includes(name)
  );
}

/** Metrics only a remote run may have. */
export function isRemoteOnlyMetric(name: string): boolean {
  return name.startsWith(REMOTE_EVENT_PREFIX) || REMOTE_ONLY_METRICS.includes(name);
}

// A POSIX absolute path not inside a URL or a word, or a Windows drive path.
const ABSOLUTE_PATH = /(?<![\w.:/~>@%-])\/[^\s"'`,;()[\]{}<>|]+|\b[A-Za-z]:\\[^\s"'`,;()[\]{}<>|]+/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Sandbox ids a session names (the `sandbox_id` field of any event, remote ones included). */
function collectSandboxIds(events: readonly EventRecord[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    for (const key of ['sandbox_id', 'sandboxId']) {
      const v = e[key];
      if (typeof v === 'string' && v.length >= 4) ids.add(v);
    }
  }
  return [...ids].sort((a, b) => b.length - a.length);
}

/**
 * Build the text normalizer of one session: its dir, then any other absolute path, then its sandbox ids
 * and its id. Paths go before ids: a file in a sandbox is a path whatever the sandbox's id (a local
 * sandbox's id is its directory; a provider's may be part of a directory name), so it becomes `<path>`
 * like the same file's path in a local run.
 */
function createTextNormalizer(snapshot: SessionSnapshot): (text: string) => string {
  const ids: Array<[RegExp, string]> = [];
  const dir = snapshot.dir.replace(/[\\/]+$/, '');
  const dirPattern = dir.length > 1 ? new RegExp(escapeRegExp(dir), 'g') : undefined;
  for (const id of collectSandboxIds(snapshot.events))
    ids.push([new RegExp(escapeRegExp(id), 'g'), SANDBOX_PLACEHOLDER]);
  if (snapshot.id.length >= 4)
    ids.push([new RegExp(`\\b${escapeRegExp(snapshot.id)}\\b`, 'g'), SESSION_ID_PLACEHOLDER]);
  return (text) => {
    let out = dirPattern ? text.replace(dirPattern, SESSION_DIR_PLACEHOLDER) : text;
    out = out.replace(ABSOLUTE_PATH, PATH_PLACEHOLDER);
    for (const [pattern, placeholder] of ids) out = out.replace(pattern, placeholder);
    return out;
  };
}

function normalizeValue(key: string, value: unknown, text: (s: string) => string): unknown {
  if (isDurationName(key)) return DROPPED_VALUE;
  if (key === 'sandbox_id' || key === 'sandboxId') return SANDBOX_PLACEHOLDER;
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => normalizeValue('', v, text));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeValue(k, v, text);
    return sortKeys(out);
  }
  return value;
}

function normalizeEvent(record: EventRecord, line: number, text: (s: string) => string): NormalizedEvent {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'ts' || key === 'session' || key === 'event') continue;
    fields[key] = normalizeValue(key, value, text);
  }
  return { event: String(record.event), fields: sortKeys(fields) as Record<string, unknown>, line };
}

function normalizeMetric(record: MetricRecord, text: (s: string) => string): NormalizedMetric {
  const out: NormalizedMetric = {
    metric: String(record.metric),
    value: isDurationName(String(record.metric)) ? DROPPED_VALUE : record.value,
  };
  if (record.unit !== undefined) out.unit = record.unit;
  if (record.step_id !== undefined) out.step_id = text(String(record.step_id));
  if (record.tags && typeof record.tags === 'object') {
    const tags: Record<string, string> = {};
    for (const key of Object.keys(record.tags).sort()) tags[key] = text(String(record.tags[key]));
    out.tags = tags;
  }
  return out;
}

/** Normalize a session for comparison (docs/report.md). */
export function normalizeSession(snapshot: SessionSnapshot): NormalizedSession {
  const text = createTextNormalizer(snapshot);
  const events: NormalizedEvent[] = [];
  snapshot.events.forEach((record, i) => {
    if (!isIgnoredByParity(String(record.event))) events.push(normalizeEvent(record, i + 1, text));
  });
  const metrics = snapshot.metrics
    .filter((m) => !isRemoteOnlyMetric(String(m.metric)))
    .map((m) => normalizeMetric(m, text));
  return { events, metrics };
}
