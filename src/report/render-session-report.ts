import type { SessionSnapshot } from '../core/index.js';
import { escapeHtml } from './escape-html.js';
import { renderIncrementalState } from './render-incremental-state.js';
import { formatCount, formatDuration, truncateText } from './format-values.js';
import { renderArtifacts } from './render-artifacts.js';
import { renderEventList } from './render-event-list.js';
import { renderMetrics } from './render-metrics.js';
import { renderOverhead } from './render-overhead.js';
import { renderPage } from './render-page.js';
import { renderStepGraph } from './render-step-graph.js';
import { renderStepTable } from './render-step-table.js';
import { renderTimeline } from './render-timeline.js';
import type { SessionModel } from './summarize-session.js';
import { summarizeSession } from './summarize-session.js';

function fact(label: string, value: string, id?: string): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd${id ? ` id="${id}"` : ''}>${value}</dd></div>`;
}

/** Local/Remote badge with the transport. */
export function renderAdapterBadge(adapter: string, transport: string | undefined): string {
  if (adapter === 'remote')
    return `<span class="badge remote" id="run-adapter">Remote${transport ? ` · ${escapeHtml(transport)}` : ''}</span>`;
  if (adapter === 'local') return '<span class="badge local" id="run-adapter">Local</span>';
  return '<span class="badge state-unknown" id="run-adapter">adapter unknown</span>';
}

function renderHeader(snapshot: SessionSnapshot, model: SessionModel): string {
  const st = snapshot.status;
  const runStart = snapshot.events.find((e) => e.event === 'run_start');
  const started =
    st?.started_at ?? (model.startMs !== undefined ? new Date(model.startMs).toISOString() : '–');
  const finished = st?.finished_at ?? '– (status.json missing)';
  const duration =
    st?.duration_ms ??
    (model.startMs !== undefined && model.endMs !== undefined ? model.endMs - model.startMs : undefined);
  const completed = st
    ? `${st.steps_completed} / ${st.steps_total}`
    : `${model.steps.filter((s) => s.state === 'success').length} / ${model.steps.length}`;
  const error = st?.error
    ? `<div class="error-box" id="run-error">[${escapeHtml(st.error.code)}]${st.failed_step ? ` step ${escapeHtml(st.failed_step)}:` : ''} ${escapeHtml(truncateText(st.error.message, 8000))}</div>`
    : '';
  const incomplete = st
    ? ''
    : '<div class="error-box" id="run-error">status.json is missing: the run ended before it could write its summary (host crash or kill). The events below are what was recorded.</div>';
  return (
    '<header class="top"><div class="title">' +
    `<h1 id="pipeline-id">${escapeHtml(model.pipelineId)}</h1>` +
    `<span class="badge state-${model.state}" id="run-status">${escapeHtml(model.state)}</span>` +
    renderAdapterBadge(model.adapter, model.transport) +
    `<span class="subtitle" id="session-id">${escapeHtml(snapshot.id)}</span></div>` +
    '<dl class="facts">' +
    fact(
      'pipeline',
      `${escapeHtml(model.pipelineId)}${model.pipelineName && model.pipelineName !== model.pipelineId ? ` (${escapeHtml(model.pipelineName)})` : ''}`,
    ) +
    fact('session', escapeHtml(snapshot.id)) +
    fact('started', escapeHtml(started)) +
    fact('finished', escapeHtml(finished)) +
    fact('duration', escapeHtml(formatDuration(duration)), 'run-duration') +
    fact('steps completed', escapeHtml(completed), 'run-steps') +
    fact('rows read', escapeHtml(formatCount(st?.rows_read)), 'rows-read') +
    fact('rows written', escapeHtml(formatCount(st?.rows_written)), 'rows-written') +
    fact('exit code', escapeHtml(st?.exit_code ?? '–')) +
    (typeof runStart?.manifest_fp === 'string'
      ? fact(
          'manifest fingerprint',
          `<span class="mono" title="${escapeHtml(runStart.manifest_fp)}">${escapeHtml(runStart.manifest_fp.slice(0, 23))}…</span>`,
        )
      : '') +
    `</dl>${error}${incomplete}</header>`
  );
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** Options of a session page. */
export interface SessionReportOptions {
  /** Relative link back to the index page (`osiris logs html --all`). */
  indexHref?: string;
}

/** One self-contained HTML page for a session: everything inline, no request of any kind. */
export function renderSessionReport(snapshot: SessionSnapshot, options: SessionReportOptions = {}): string {
  const model = summarizeSession(snapshot);
  const events = renderEventList(
    snapshot.events,
    model.steps.map((s) => s.id),
  );
  const sections: Array<[string, string, string]> = [
    ['steps', 'Steps', renderStepTable(model.steps)],
    [
      'graph',
      'Step graph',
      (model.manifestProblem ? `<p class="note">${escapeHtml(model.manifestProblem)}</p>` : '') +
        renderStepGraph(model.steps),
    ],
    ['timeline', 'Timeline', renderTimeline(model)],
  ];
  const state = renderIncrementalState(snapshot.events);
  if (state) sections.push(['incremental', 'Incremental state', state]);
  if (model.remote) sections.push(['overhead', 'Remote overhead', renderOverhead(model.remote)]);
  sections.push(
    ['metrics', 'Metrics', renderMetrics(model.steps, snapshot.metrics)],
    ['events', 'Events', events.html],
    ['artifacts', 'Artifacts', renderArtifacts(snapshot.artifacts)],
    [
      'status',
      'status.json',
      snapshot.status
        ? `<pre id="status-json">${escapeHtml(JSON.stringify(snapshot.status, (_k, v: unknown) => (typeof v === 'string' ? truncateText(v, 8000) : v), 2))}</pre>`
        : '<p class="note">status.json is missing.</p>',
    ],
    [
      'manifest',
      'manifest.yaml',
      snapshot.manifestText
        ? `<pre id="manifest-text">${escapeHtml(snapshot.manifestText)}</pre>`
        : '<p class="note">manifest.yaml is missing.</p>',
    ],
  );
  const back = options.indexHref
    ? `<a href="${escapeHtml(options.indexHref)}" id="index-link">← all sessions</a>`
    : '';
  const nav = `<nav class="sections">${back}${sections.map(([id, title]) => `<a href="#${id}">${escapeHtml(title)}</a>`).join('')}</nav>`;
  const body =
    renderHeader(snapshot, model) +
    nav +
    `<main>${sections.map(([id, title, html]) => section(id, title, html)).join('\n')}</main>` +
    '<footer>Generated by osiris from the session directory alone (already masked); this page makes no network request.</footer>';
  return renderPage({
    title: `${model.pipelineId} · ${snapshot.id} · ${model.state}`,
    page: 'session',
    body,
    data: events.data,
  });
}
