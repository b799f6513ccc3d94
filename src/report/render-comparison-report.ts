import type { ComparedSession, SessionComparison } from './compare-sessions.js';
import { escapeHtml } from './escape-html.js';
import { truncateText } from './format-values.js';
import { renderPage } from './render-page.js';
import { renderAdapterBadge } from './render-session-report.js';

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  return truncateText(typeof value === 'string' ? value : JSON.stringify(value), 2000);
}

function renderSide(label: string, s: ComparedSession): string {
  return (
    `<div><dt>${label}</dt><dd><span class="mono">${escapeHtml(s.id)}</span> ${renderAdapterBadge(s.adapter, s.transport).replace(' id="run-adapter"', '')} ` +
    `<span class="badge state-${escapeHtml(s.status)}">${escapeHtml(s.status)}</span><br><span class="note">${escapeHtml(s.dir)} · ${s.events} events compared, ${s.remoteOnlyDropped} remote-only records ignored</span></dd></div>`
  );
}

function renderEventDiffs(c: SessionComparison): string {
  if (c.eventDiffs.length === 0)
    return '<p class="note">The normalized event sequences are equal (names, order, fields).</p>';
  return c.eventDiffs
    .map((d) => {
      const where =
        d.kind === 'changed'
          ? `Event #${d.index + 1} differs (A line ${d.a?.line}, B line ${d.b?.line}): <b>${escapeHtml(d.a?.event)}</b> vs <b>${escapeHtml(d.b?.event)}</b>`
          : d.kind === 'missing'
            ? `B ends after ${d.index} events; A continues with <b>${escapeHtml(d.a?.event)}</b> (A line ${d.a?.line})`
            : `A ends after ${d.index} events; B continues with <b>${escapeHtml(d.b?.event)}</b> (B line ${d.b?.line})`;
      const rows = d.fields.map(
        (f) =>
          `<tr class="diff"><td class="mono">${escapeHtml(f.field)}</td><td class="mono">${escapeHtml(show(f.a))}</td><td class="mono">${escapeHtml(show(f.b))}</td></tr>`,
      );
      const record = d.a ?? d.b;
      const table =
        rows.length > 0
          ? `<table class="field-diffs"><thead><tr><th>field</th><th>A</th><th>B</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
          : `<pre>${escapeHtml(JSON.stringify(record, null, 2))}</pre>`;
      return `<div class="event-diff" data-kind="${d.kind}"><p>${where}</p>${table}</div>`;
    })
    .join('');
}

/** The parity view of `osiris logs compare A B --html FILE`. */
export function renderComparisonReport(c: SessionComparison): string {
  const { a, b } = c.sessions;
  const differences = c.eventDiffs.length + c.metricDiffs.length + c.artifactDiffs.length;
  const verdict = c.equal
    ? '<div class="verdict equal" id="verdict">EQUAL — the sessions match after normalization</div>'
    : `<div class="verdict different" id="verdict">DIFFERENT — ${c.eventDiffs.length > 0 ? 'events diverge' : 'events equal'}, ${c.metricDiffs.length} metric and ${c.artifactDiffs.length} artifact difference(s)</div>`;
  const countRows = c.eventCounts.map(
    (e) =>
      `<tr class="${e.ignored ? 'ignored' : e.a !== e.b ? 'diff' : ''}" data-event="${escapeHtml(e.event)}"><td class="mono">${escapeHtml(e.event)}</td>` +
      `<td class="num" data-value="${e.a}">${e.a}</td><td class="num" data-value="${e.b}">${e.b}</td><td>${e.ignored ? 'remote-only: ignored' : e.a === e.b ? '' : 'differs'}</td></tr>`,
  );
  const metricRows = c.metricDiffs.map(
    (m) =>
      `<tr class="diff" data-kind="${m.kind}"><td class="mono">${escapeHtml(m.metric.metric)}</td><td class="mono">${escapeHtml(m.metric.step_id ?? '')}</td>` +
      `<td class="mono">${escapeHtml(String(m.metric.value))} ${escapeHtml(m.metric.unit ?? '')}</td><td class="mono">${escapeHtml(m.metric.tags ? JSON.stringify(m.metric.tags) : '')}</td>` +
      `<td class="num">${m.a}</td><td class="num">${m.b}</td><td>${m.kind === 'missing' ? 'missing in B' : 'extra in B'}</td></tr>`,
  );
  const artifactRows = c.artifactDiffs.map(
    (f) =>
      `<tr class="diff" data-kind="${f.kind}"><td class="mono">${escapeHtml(f.path)}</td><td>${f.kind === 'missing' ? 'only in A' : f.kind === 'extra' ? 'only in B' : 'bytes differ'}</td>` +
      `<td class="mono">${escapeHtml(f.a ? `${f.a.slice(0, 19)}… (${f.sizeA} B)` : '')}</td><td class="mono">${escapeHtml(f.b ? `${f.b.slice(0, 19)}… (${f.sizeB} B)` : '')}</td></tr>`,
  );
  const body =
    `<header class="top"><div class="title"><h1>Parity: ${escapeHtml(a.id)} vs ${escapeHtml(b.id)}</h1></div>` +
    `<dl class="facts sides">${renderSide('A', a)}${renderSide('B', b)}</dl>${verdict}</header><main>` +
    `<section id="event-counts"><h2>Event counts per name</h2><table id="event-count-table" class="sortable"><thead><tr><th data-sort="text">event</th><th class="num" data-sort="num">A</th><th class="num" data-sort="num">B</th><th></th></tr></thead><tbody>${countRows.join('')}</tbody></table></section>` +
    `<section id="event-diffs"><h2>Event sequence</h2>${renderEventDiffs(c)}</section>` +
    `<section id="metric-diffs"><h2>Metrics</h2>${
      metricRows.length === 0
        ? '<p class="note">The normalized metric multisets are equal.</p>'
        : `<table id="metric-diff-table"><thead><tr><th>metric</th><th>step</th><th>value</th><th>tags</th><th class="num">in A</th><th class="num">in B</th><th></th></tr></thead><tbody>${metricRows.join('')}</tbody></table>`
    }</section>` +
    `<section id="artifact-diffs"><h2>Artifacts</h2>${
      artifactRows.length === 0
        ? '<p class="note">The artifact trees and file bytes are equal.</p>'
        : `<table id="artifact-diff-table"><thead><tr><th>path</th><th></th><th>A</th><th>B</th></tr></thead><tbody>${artifactRows.join('')}</tbody></table>`
    }</section></main>` +
    `<footer>Normalization: ts and session dropped; values of *_ms / *duration* fields and metrics dropped; the session directory, session id, sandbox ids and absolute paths replaced by placeholders; remote-only events and metrics and every remote.* record ignored. ${differences} difference(s).</footer>`;
  return renderPage({
    title: `Parity ${a.id} vs ${b.id}: ${c.equal ? 'equal' : 'different'}`,
    page: 'comparison',
    body,
  });
}
