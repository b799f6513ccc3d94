import { escapeHtml } from './escape-html.js';
import { formatDuration } from './format-values.js';
import type { SessionModel } from './summarize-session.js';

function percent(value: number): string {
  return `${Math.max(0, Math.min(100, value)).toFixed(3)}%`;
}

/** One bar per executed step on the run's time axis (from step_start to step_complete/step_failed). */
export function renderTimeline(model: SessionModel): string {
  const executed = model.steps.filter((s) => s.state !== 'not_run' && s.startMs !== undefined);
  if (executed.length === 0 || model.startMs === undefined || model.endMs === undefined) {
    return '<p class="note">No step started in this session.</p>';
  }
  const t0 = model.startMs;
  const span = Math.max(1, model.endMs - t0);
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<span>${escapeHtml(formatDuration(f * span))}</span>`)
    .join('');
  const rows = executed.map((s) => {
    const start = (s.startMs as number) - t0;
    const end = (s.endMs ?? model.endMs ?? s.startMs ?? t0) - t0;
    const shown = s.durationMs ?? Math.max(0, end - start);
    const label = `${s.id}: ${s.state} — ${formatDuration(shown)}, starts at +${formatDuration(start)}`;
    return (
      `<div class="tl-row" data-step="${escapeHtml(s.id)}">` +
      `<span class="tl-label" title="${escapeHtml(s.id)}">${escapeHtml(s.id)}</span>` +
      `<div class="tl-track"><div class="tl-bar state-${s.state}" data-step="${escapeHtml(s.id)}" title="${escapeHtml(label)}" ` +
      `style="left:${percent((start / span) * 100)};width:${percent((Math.max(0, end - start) / span) * 100)}"></div></div>` +
      `<span class="tl-time">${escapeHtml(formatDuration(shown))}</span></div>`
    );
  });
  return (
    `<div class="timeline" id="timeline-bars"><div class="tl-axis"><span>step</span><div class="ticks">${ticks}</div><span></span></div>` +
    `${rows.join('')}</div>` +
    `<p class="note">Axis: time since the first event of the session (${escapeHtml(formatDuration(span))} in total). ` +
    `A bar without an end (crash, interrupt) reaches the last event.</p>`
  );
}
