import type { MetricRecord } from '../core/index.js';
import { escapeHtml } from './escape-html.js';
import { formatCount, formatDuration } from './format-values.js';
import { renderBarChart } from './render-bar-chart.js';
import type { ReportStep } from './summarize-session.js';

function formatNumber(n: number): string {
  return Number.isInteger(n) ? formatCount(n) : String(Math.round(n * 1000) / 1000);
}

function formatTags(tags: unknown): string {
  if (!tags || typeof tags !== 'object') return '';
  return Object.entries(tags as Record<string, unknown>)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** Charts of rows and duration per step, a per-name summary, and the run-level metric lines. */
export function renderMetrics(steps: readonly ReportStep[], metrics: readonly MetricRecord[]): string {
  const perStep = (
    id: string,
    title: string,
    pick: (s: ReportStep) => number | undefined,
    format: (n: number) => string,
  ) =>
    renderBarChart({
      id,
      title,
      items: steps.flatMap((s) => {
        const value = pick(s);
        return value === undefined ? [] : [{ label: s.id, value, state: s.state }];
      }),
      format,
    });
  const charts = [
    perStep('chart-rows', 'Rows out per step', (s) => s.rowsOut, formatCount),
    perStep('chart-duration', 'Duration per step', (s) => s.durationMs, formatDuration),
  ].filter(Boolean);

  const byName = new Map<string, { unit: string; count: number; sum: number; min: number; max: number }>();
  for (const m of metrics) {
    if (typeof m.value !== 'number') continue;
    const e = byName.get(m.metric) ?? { unit: m.unit ?? '', count: 0, sum: 0, min: Infinity, max: -Infinity };
    e.count++;
    e.sum += m.value;
    e.min = Math.min(e.min, m.value);
    e.max = Math.max(e.max, m.value);
    byName.set(m.metric, e);
  }
  const summary = [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, e]) =>
        `<tr data-metric="${escapeHtml(name)}"><td class="mono">${escapeHtml(name)}</td><td>${escapeHtml(e.unit)}</td><td class="num">${e.count}</td>` +
        `<td class="num">${formatNumber(e.sum)}</td><td class="num">${formatNumber(e.min)}</td><td class="num">${formatNumber(e.max)}</td></tr>`,
    );
  const runLevel = metrics
    .filter((m) => m.step_id === undefined)
    .map(
      (m) =>
        `<tr><td class="mono">${escapeHtml(m.metric)}</td><td class="num">${escapeHtml(formatNumber(Number(m.value)))}</td>` +
        `<td>${escapeHtml(m.unit ?? '')}</td><td class="mono">${escapeHtml(formatTags(m.tags))}</td></tr>`,
    );
  if (metrics.length === 0) return '<p class="note">metrics.jsonl is empty.</p>';
  return (
    (charts.length > 0 ? `<div class="charts">${charts.join('')}</div>` : '') +
    '<h3>Run-level metrics</h3>' +
    `<table id="run-metrics"><thead><tr><th>metric</th><th class="num">value</th><th>unit</th><th>tags</th></tr></thead><tbody>${runLevel.join('')}</tbody></table>` +
    '<h3>All metrics by name</h3>' +
    '<div class="table-scroll"><table id="metric-summary"><thead><tr><th>metric</th><th>unit</th><th class="num">lines</th><th class="num">sum</th><th class="num">min</th><th class="num">max</th></tr></thead>' +
    `<tbody>${summary.join('')}</tbody></table></div>`
  );
}
