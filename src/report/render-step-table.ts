import { escapeHtml } from './escape-html.js';
import { formatCount, formatDuration, truncateText } from './format-values.js';
import type { ReportStep } from './summarize-session.js';

const STATE_LABELS: Record<string, string> = {
  success: 'success',
  failed: 'failed',
  running: 'unfinished',
  not_run: 'not run',
};

function renderError(step: ReportStep): string {
  if (!step.error) return '';
  const head = [step.error.code, step.error.type].filter(Boolean).join(' · ');
  return `<span class="err-text">${head ? `[${escapeHtml(head)}] ` : ''}${escapeHtml(truncateText(step.error.message, 4000))}</span>`;
}

/** One row per manifest step: driver, mode, outcome, rows in/out, duration, error. */
export function renderStepTable(steps: readonly ReportStep[]): string {
  if (steps.length === 0) return '<p class="note">The session names no step.</p>';
  const rows = steps.map(
    (s) =>
      `<tr data-step="${escapeHtml(s.id)}" data-state="${s.state}">` +
      `<td class="num">${s.index + 1}</td>` +
      `<td class="mono step-id">${escapeHtml(s.id)}</td>` +
      `<td class="mono">${escapeHtml(s.driver)}</td>` +
      `<td>${escapeHtml(s.mode)}</td>` +
      `<td class="step-state"><span class="badge state-${s.state}">${escapeHtml(STATE_LABELS[s.state] ?? s.state)}</span></td>` +
      `<td class="num">${formatCount(s.rowsIn)}</td>` +
      `<td class="num">${formatCount(s.rowsOut)}</td>` +
      `<td class="num">${formatDuration(s.durationMs)}</td>` +
      `<td class="err">${renderError(s)}</td>` +
      `<td class="nowrap">${s.eventCount > 0 ? `<button type="button" class="link" data-filter-step="${escapeHtml(s.id)}">${s.eventCount} events</button>` : ''}</td>` +
      '</tr>',
  );
  return (
    '<div class="table-scroll"><table id="step-table"><thead><tr>' +
    '<th class="num">#</th><th>step</th><th>driver</th><th>mode</th><th>status</th>' +
    '<th class="num">rows in</th><th class="num">rows out</th><th class="num">duration</th><th>error</th><th></th>' +
    `</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}
