import { escapeHtml } from './escape-html.js';
import { formatBytes, formatCount, formatDuration } from './format-values.js';
import type { RemoteOverhead } from './summarize-session.js';

const PHASE_COLOURS = ['#6b3fc4', '#2f5fd0', '#1c8fa8', '#a86a00', '#1f8a4c', '#c2569b'];

function renderList(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => escapeHtml(v)).join(', ');
  return escapeHtml(JSON.stringify(value));
}

/** Where the time of a remote run went: sandbox create, upload, worker start, dependencies, steps, download. */
export function renderOverhead(remote: RemoteOverhead): string {
  const known = remote.phases.filter((p) => p.ms !== undefined);
  const total = known.reduce((n, p) => n + (p.ms as number), 0);
  const stack = known
    .map((p) => {
      const i = remote.phases.indexOf(p);
      const width = total > 0 ? ((p.ms as number) / total) * 100 : 0;
      return `<span title="${escapeHtml(`${p.label}: ${formatDuration(p.ms)}`)}" style="width:${width.toFixed(3)}%;background:${PHASE_COLOURS[i % PHASE_COLOURS.length]}"></span>`;
    })
    .join('');
  const rows = remote.phases.map(
    (p, i) =>
      `<tr data-phase="${escapeHtml(p.label)}"><td><span class="badge" style="background:${PHASE_COLOURS[i % PHASE_COLOURS.length]};color:#fff">&nbsp;</span> ${escapeHtml(p.label)}</td>` +
      `<td class="num">${formatDuration(p.ms)}</td><td class="num">${p.ms !== undefined && total > 0 ? `${((p.ms / total) * 100).toFixed(1)}%` : '–'}</td></tr>`,
  );
  const deps = remote.dependencies
    ? `<h3>Dependencies</h3><p>missing: ${renderList(remote.dependencies.missing)}<br>present: ${renderList(remote.dependencies.present)}` +
      `${remote.dependencies.installed !== undefined ? `<br>installed: ${renderList(remote.dependencies.installed)}` : ''}</p>`
    : '';
  return (
    `<p>Transport <span class="badge remote">${escapeHtml(remote.transport)}</span> · setup overhead (e2b_overhead_ms) ${formatDuration(remote.overheadMs)}` +
    ` · downloaded ${remote.files !== undefined ? `${formatCount(remote.files)} files, ` : ''}${remote.bytes !== undefined ? formatBytes(remote.bytes) : '–'}</p>` +
    `<div class="stack" id="overhead-stack">${stack}</div>` +
    `<table id="overhead-table"><thead><tr><th>phase</th><th class="num">time</th><th class="num">share</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    '<p class="note">Phases come from the remote.* event timestamps (sandbox create, upload, worker start), the first step start, the last step end, and the artifacts_copy_ms metric (download).</p>' +
    deps
  );
}
