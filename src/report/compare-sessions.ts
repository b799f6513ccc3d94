import type { SessionSnapshot } from '../core/index.js';
import { EVENTS } from '../core/index.js';
import type { NormalizedEvent, NormalizedMetric } from './normalize-session.js';
import { isIgnoredByParity, normalizeSession } from './normalize-session.js';

/** Which side a compared session is, and what kind of run it was. */
export interface ComparedSession {
  /** `run_<id>`. */
  id: string;
  /** Session directory. */
  dir: string;
  /** local | remote | unknown (no status.json). */
  adapter: string;
  /** Transport of remote runs. */
  transport?: string;
  /** success | failed | incomplete. */
  status: string;
  /** Events after normalization. */
  events: number;
  /** Records dropped as remote-only (events + metrics). */
  remoteOnlyDropped: number;
}

/** Occurrences of one event name on each side (remote-only names included, marked). */
export interface EventCount {
  /** Event name. */
  event: string;
  /** Count in A. */
  a: number;
  /** Count in B. */
  b: number;
  /** True for names the comparison ignores (remote-only). */
  ignored: boolean;
}

/** One field that differs between two events at the same position. */
export interface FieldDiff {
  /** Field name (`event` for the name itself). */
  field: string;
  /** Normalized value in A (undefined: absent). */
  a: unknown;
  /** Normalized value in B (undefined: absent). */
  b: unknown;
}

/** Where the normalized event sequences first diverge. */
export interface EventDiff {
  /** 0-based position in the normalized sequences. */
  index: number;
  /** changed: both have an event there; missing: only A has it (B ended); extra: only B has it. */
  kind: 'changed' | 'missing' | 'extra';
  /** A's event at that position. */
  a?: NormalizedEvent;
  /** B's event at that position. */
  b?: NormalizedEvent;
  /** Fields that differ (for `changed`). */
  fields: FieldDiff[];
}

/** A normalized metric line present a different number of times on each side. */
export interface MetricDiff {
  /** missing: more in A than in B; extra: more in B than in A. */
  kind: 'missing' | 'extra';
  /** The normalized metric. */
  metric: NormalizedMetric;
  /** Occurrences in A. */
  a: number;
  /** Occurrences in B. */
  b: number;
}

/** An artifact file that is not the same on both sides. */
export interface ArtifactDiff {
  /** Path relative to the session (`artifacts/<step>/…`). */
  path: string;
  /** missing: only in A; extra: only in B; different: bytes differ. */
  kind: 'missing' | 'extra' | 'different';
  /** sha256 in A. */
  a?: string;
  /** sha256 in B. */
  b?: string;
  /** Size in A. */
  sizeA?: number;
  /** Size in B. */
  sizeB?: number;
}

/** The result of the parity check (docs/report.md): normalized events, metrics, artifact bytes. */
export interface SessionComparison {
  /** No difference of any kind. */
  equal: boolean;
  /** The two sessions. */
  sessions: { a: ComparedSession; b: ComparedSession };
  /** Event counts per name side by side, sorted by name. */
  eventCounts: EventCount[];
  /** First divergence of the event sequences (empty when equal). */
  eventDiffs: EventDiff[];
  /** Metric multiset differences. */
  metricDiffs: MetricDiff[];
  /** Artifact tree and byte differences. */
  artifactDiffs: ArtifactDiff[];
}

function stableText(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

function diffFields(a: NormalizedEvent, b: NormalizedEvent): FieldDiff[] {
  const out: FieldDiff[] = [];
  if (a.event !== b.event) out.push({ field: 'event', a: a.event, b: b.event });
  const keys = [...new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])].sort();
  for (const key of keys) {
    if (stableText(a.fields[key]) !== stableText(b.fields[key]))
      out.push({ field: key, a: a.fields[key], b: b.fields[key] });
  }
  return out;
}

/** Whether an event belongs to one step's own sequence (step-scoped in the catalogue, with a step_id). */
function isStepEvent(e: NormalizedEvent): boolean {
  const entry = (EVENTS as Record<string, { scope: string } | undefined>)[e.event];
  return typeof e.fields.step_id === 'string' && entry?.scope !== 'run';
}

/**
 * The order events are compared in: the run-level events before the first step event, then each step's
 * own events as they came, steps in manifest order (that of the `cfg_materialized` events), then the
 * remaining run-level events. Concurrent steps interleave differently from run to run; each step's own
 * sequence and the run's do not.
 */
export function orderForParity(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  const head: NormalizedEvent[] = [];
  const tail: NormalizedEvent[] = [];
  const bySteps = new Map<string, NormalizedEvent[]>();
  let stepsBegan = false;
  for (const e of events) {
    const step = e.fields.step_id;
    if (e.event === 'cfg_materialized' && typeof step === 'string' && !bySteps.has(step))
      bySteps.set(step, []);
    if (!isStepEvent(e)) {
      (stepsBegan ? tail : head).push(e);
      continue;
    }
    stepsBegan = true;
    const list = bySteps.get(step as string);
    if (list) list.push(e);
    else bySteps.set(step as string, [e]);
  }
  return [...head, ...[...bySteps.values()].flat(), ...tail];
}

function compareEvents(a: readonly NormalizedEvent[], b: readonly NormalizedEvent[]): EventDiff[] {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ea = a[i] as NormalizedEvent;
    const eb = b[i] as NormalizedEvent;
    const fields = diffFields(ea, eb);
    if (fields.length > 0) return [{ index: i, kind: 'changed', a: ea, b: eb, fields }];
  }
  if (a.length > n) return [{ index: n, kind: 'missing', a: a[n] as NormalizedEvent, fields: [] }];
  if (b.length > n) return [{ index: n, kind: 'extra', b: b[n] as NormalizedEvent, fields: [] }];
  return [];
}

function countEvents(a: SessionSnapshot, b: SessionSnapshot): EventCount[] {
  const counts = new Map<string, EventCount>();
  const bump = (name: string, side: 'a' | 'b'): void => {
    const entry = counts.get(name) ?? { event: name, a: 0, b: 0, ignored: isIgnoredByParity(name) };
    entry[side]++;
    counts.set(name, entry);
  };
  for (const e of a.events) bump(String(e.event), 'a');
  for (const e of b.events) bump(String(e.event), 'b');
  return [...counts.values()].sort((x, y) => x.event.localeCompare(y.event));
}

function compareMetrics(a: readonly NormalizedMetric[], b: readonly NormalizedMetric[]): MetricDiff[] {
  const counts = new Map<string, { metric: NormalizedMetric; a: number; b: number }>();
  const bump = (m: NormalizedMetric, side: 'a' | 'b'): void => {
    const key = stableText([m.metric, m.step_id ?? null, m.value, m.unit ?? null, m.tags ?? null]);
    const entry = counts.get(key) ?? { metric: m, a: 0, b: 0 };
    entry[side]++;
    counts.set(key, entry);
  };
  for (const m of a) bump(m, 'a');
  for (const m of b) bump(m, 'b');
  const out: MetricDiff[] = [];
  for (const entry of counts.values()) {
    if (entry.a > entry.b) out.push({ kind: 'missing', ...entry });
    else if (entry.b > entry.a) out.push({ kind: 'extra', ...entry });
  }
  return out.sort(
    (x, y) =>
      x.metric.metric.localeCompare(y.metric.metric) ||
      (x.metric.step_id ?? '').localeCompare(y.metric.step_id ?? ''),
  );
}

function compareArtifacts(a: SessionSnapshot, b: SessionSnapshot): ArtifactDiff[] {
  const byPath = new Map(b.artifacts.map((f) => [f.path, f]));
  const out: ArtifactDiff[] = [];
  for (const fa of a.artifacts) {
    const fb = byPath.get(fa.path);
    byPath.delete(fa.path);
    if (!fb) out.push({ path: fa.path, kind: 'missing', a: fa.sha256, sizeA: fa.size });
    else if (fa.sha256 !== fb.sha256)
      out.push({
        path: fa.path,
        kind: 'different',
        a: fa.sha256,
        b: fb.sha256,
        sizeA: fa.size,
        sizeB: fb.size,
      });
  }
  for (const fb of byPath.values()) out.push({ path: fb.path, kind: 'extra', b: fb.sha256, sizeB: fb.size });
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

function describeSession(s: SessionSnapshot, normalizedEvents: number, kept: number): ComparedSession {
  const out: ComparedSession = {
    id: s.id,
    dir: s.dir,
    adapter: s.status?.adapter ?? 'unknown',
    status: s.status ? s.status.status : 'incomplete',
    events: normalizedEvents,
    remoteOnlyDropped: s.events.length + s.metrics.length - kept,
  };
  if (s.status?.transport) out.transport = s.status.transport;
  return out;
}

/** Compare two sessions by the parity rules of docs/report.md: normalized event sequence, metric multiset, artifact bytes. */
export function compareSessions(a: SessionSnapshot, b: SessionSnapshot): SessionComparison {
  const na = normalizeSession(a);
  const nb = normalizeSession(b);
  const eventDiffs = compareEvents(orderForParity(na.events), orderForParity(nb.events));
  const metricDiffs = compareMetrics(na.metrics, nb.metrics);
  const artifactDiffs = compareArtifacts(a, b);
  return {
    equal: eventDiffs.length === 0 && metricDiffs.length === 0 && artifactDiffs.length === 0,
    sessions: {
      a: describeSession(a, na.events.length, na.events.length + na.metrics.length),
      b: describeSession(b, nb.events.length, nb.events.length + nb.metrics.length),
    },
    eventCounts: countEvents(a, b),
    eventDiffs,
    metricDiffs,
    artifactDiffs,
  };
}
