import type { EventRecord } from '../core/index.js';
import { escapeHtml } from './escape-html.js';

/** `(cursor, key…)` of an event's boundary field, or undefined for anything else. */
function formatBoundary(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const b = value as { cursor?: unknown; key?: unknown };
  if (typeof b.cursor !== 'string' || !Array.isArray(b.key)) return undefined;
  return `(${[b.cursor, ...b.key.map(String)].join(', ')})`;
}

/** Where an extractor started, in words. */
function describeStart(e: EventRecord): string {
  const after = Array.isArray(e.after) ? e.after.map(formatBoundary).filter((b) => b !== undefined) : [];
  if (after.length > 0) return `after ${after.join(' or ')}`;
  if (e.source === 'full_refresh') return 'everything (--full-refresh)';
  if (typeof e.initial === 'string') return `from initial ${e.initial}`;
  return 'from the beginning (no state yet)';
}

/**
 * The incremental state of a run (docs/incremental.md): where each incremental extractor started and
 * what each writer stored. Undefined when the run has no incremental step.
 */
export function renderIncrementalState(events: readonly EventRecord[]): string | undefined {
  const loaded = events.filter((e) => e.event === 'state_loaded');
  if (loaded.length === 0) return undefined;
  const committed = events.filter((e) => e.event === 'state_committed');
  const rows = loaded.flatMap((start) => {
    const writers = Array.isArray(start.writers) ? (start.writers as { writer?: unknown }[]) : [];
    return writers.map((w) => {
      const stored = committed.find((c) => c.extractor === start.step_id && c.step_id === w.writer);
      const result = stored
        ? `${escapeHtml(formatBoundary(stored.boundary) ?? '')} · ${escapeHtml(stored.rows)} rows · ${escapeHtml(stored.store)}`
        : '<span class="note">not stored in this run (nothing read, or the writer did not finish)</span>';
      return (
        `<tr class="state-row" data-extractor="${escapeHtml(start.step_id)}" data-writer="${escapeHtml(w.writer)}">` +
        `<td>${escapeHtml(start.step_id)}</td><td>${escapeHtml(describeStart(start))}</td>` +
        `<td>${escapeHtml(w.writer)}</td><td>${result}</td></tr>`
      );
    });
  });
  return (
    '<table id="incremental-state"><thead><tr><th>extractor</th><th>read</th><th>writer</th>' +
    `<th>stored boundary</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
