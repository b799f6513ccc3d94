import type { EventRecord } from '../core/index.js';

/**
 * The event list as embedded in the page. Columnar and interned so 100,000 events stay well under
 * the 5 MB page budget: names, step ids and field-key sets are tables; each row is
 * `[dt, name, step, shape, ...values]` where dt is ms since the previous timestamp (or the raw ts
 * string when it is not a canonical ISO time).
 */
export interface EncodedEvents {
  /** Epoch ms that the first dt counts from. */
  base: number;
  /** Event names. */
  names: string[];
  /** Step ids; index 0 is "no step". */
  steps: string[];
  /** Field-key lists (without ts, session, event, step_id). */
  shapes: string[][];
  /** One row per event. */
  rows: unknown[][];
}

/** Longest string value kept in the embedded list; longer ones are cut with a note. */
export const MAX_EMBEDDED_TEXT = 4000;

function clip(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_EMBEDDED_TEXT
      ? `${value.slice(0, MAX_EMBEDDED_TEXT)}… [${value.length - MAX_EMBEDDED_TEXT} more characters in events.jsonl]`
      : value;
  }
  if (Array.isArray(value)) return value.map(clip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clip(v);
    return out;
  }
  return value;
}

function createInterner<T>(
  key: (v: T) => string,
  initial: T[] = [],
): { table: T[]; index: (v: T) => number } {
  const table = [...initial];
  const ids = new Map(table.map((v, i) => [key(v), i]));
  return {
    table,
    index(v) {
      const k = key(v);
      let id = ids.get(k);
      if (id === undefined) {
        id = table.length;
        table.push(v);
        ids.set(k, id);
      }
      return id;
    },
  };
}

/** Encode events for the page's JSON block. */
export function encodeEvents(events: readonly EventRecord[]): EncodedEvents {
  const names = createInterner<string>((s) => s);
  const steps = createInterner<string>((s) => s, ['']);
  const shapes = createInterner<string[]>((keys) => keys.join('\u0000'));
  const rows: unknown[][] = [];
  let base: number | undefined;
  let prev = 0;
  for (const e of events) {
    const ts = typeof e.ts === 'string' ? e.ts : '';
    const ms = Date.parse(ts);
    let dt: number | string = ts;
    if (Number.isFinite(ms) && new Date(ms).toISOString() === ts) {
      if (base === undefined) prev = base = ms;
      dt = ms - prev;
      prev = ms;
    }
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(e)) {
      if (k === 'ts' || k === 'session' || k === 'event' || (k === 'step_id' && typeof v === 'string'))
        continue;
      keys.push(k);
      values.push(clip(v));
    }
    const step = typeof e.step_id === 'string' ? steps.index(e.step_id) : 0;
    rows.push([dt, names.index(String(e.event)), step, shapes.index(keys), ...values]);
  }
  return { base: base ?? 0, names: names.table, steps: steps.table, shapes: shapes.table, rows };
}
