import type { EventRecord } from '../core/index.js';
import { encodeEvents } from './encode-events.js';
import { escapeHtml, serializeJsonForScript } from './escape-html.js';

const FAILURE_EVENTS = new Set(['step_failed', 'input_resolution_failed', 'driver_registration_failed']);

/**
 * The event list: filters (step, event name, text search), one chip per event name with its count,
 * a virtual list and a detail pane. Returns the markup and the JSON block the script reads.
 */
export function renderEventList(
  events: readonly EventRecord[],
  stepIds: readonly string[],
): { html: string; data: string } {
  const counts = new Map<string, number>();
  const stepsWithEvents = new Set<string>();
  for (const e of events) {
    counts.set(String(e.event), (counts.get(String(e.event)) ?? 0) + 1);
    if (typeof e.step_id === 'string') stepsWithEvents.add(e.step_id);
  }
  const steps = [...stepIds, ...[...stepsWithEvents].filter((s) => !stepIds.includes(s))];
  const names = [...counts.keys()];
  const stepOptions = steps.map((s) => `<option value="${escapeHtml(s)}">${escapeHtml(s)}</option>`).join('');
  const nameOptions = [...names]
    .sort()
    .map((n) => `<option value="${escapeHtml(n)}">${escapeHtml(n)}</option>`)
    .join('');
  const chips = names
    .map(
      (n) =>
        `<button type="button" class="chip${FAILURE_EVENTS.has(n) ? ' bad' : ''}" data-event="${escapeHtml(n)}" aria-pressed="false">` +
        `${escapeHtml(n)}<span class="n">${counts.get(n) ?? 0}</span></button>`,
    )
    .join('');
  const html =
    '<div class="filters">' +
    `<label>step <select id="ev-step"><option value="">all steps</option><option value="(run)">(run-level events)</option>${stepOptions}</select></label>` +
    `<label>event <select id="ev-name"><option value="">all events</option>${nameOptions}</select></label>` +
    '<input type="search" id="ev-search" placeholder="search event names, steps and fields" aria-label="search events">' +
    '<button type="button" id="ev-reset">reset filters</button>' +
    `<span class="note" id="ev-count">${events.length} events</span></div>` +
    `<div class="chips" id="ev-chips">${chips}</div>` +
    '<div class="ev-layout"><div class="ev-viewport" id="ev-viewport" role="list" aria-label="events"><div class="ev-spacer" id="ev-spacer"></div></div>' +
    '<pre class="ev-detail" id="ev-detail">Click an event to see all its fields.</pre></div>' +
    '<noscript><p class="note">The event list needs JavaScript; events.jsonl holds the same lines.</p></noscript>';
  const data = `<script type="application/json" id="events-data">${serializeJsonForScript(encodeEvents(events))}</script>\n`;
  return { html, data };
}
