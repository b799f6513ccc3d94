import { escapeHtml } from './escape-html.js';

/** One bar. */
export interface ChartItem {
  /** Label (a step id). */
  label: string;
  /** Value (>= 0). */
  value: number;
  /** CSS state class suffix (`failed` colours the bar). */
  state?: string;
}

const ROW_H = 18;
const LABEL_W = 170;
const BAR_W = 240;
const VALUE_W = 80;

/**
 * A horizontal bar chart as inline SVG. Only the `limit` largest values are drawn so a 200-step run
 * gives a readable chart; the note says how many were left out.
 */
export function renderBarChart(options: {
  id: string;
  title: string;
  items: readonly ChartItem[];
  format: (value: number) => string;
  limit?: number;
}): string {
  const limit = options.limit ?? 30;
  const items = [...options.items].filter((i) => Number.isFinite(i.value)).sort((a, b) => b.value - a.value);
  if (items.length === 0) return '';
  const shown = items.slice(0, limit);
  const max = Math.max(1, ...shown.map((i) => i.value));
  const height = shown.length * ROW_H + 4;
  const width = LABEL_W + BAR_W + VALUE_W;
  const bars = shown.map((item, i) => {
    const y = i * ROW_H + 2;
    const w = Math.max(1, (item.value / max) * BAR_W);
    const label = item.label.length > 26 ? `${item.label.slice(0, 25)}…` : item.label;
    return (
      `<g data-label="${escapeHtml(item.label)}"><title>${escapeHtml(`${item.label}: ${options.format(item.value)}`)}</title>` +
      `<text x="0" y="${y + 12}">${escapeHtml(label)}</text>` +
      `<rect class="bar${item.state ? ` state-${escapeHtml(item.state)}` : ''}" x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${ROW_H - 5}" rx="2"/>` +
      `<text class="val" x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + 12}">${escapeHtml(options.format(item.value))}</text></g>`
    );
  });
  const note =
    items.length > shown.length
      ? `<p class="note">The ${shown.length} largest of ${items.length} steps.</p>`
      : '';
  return (
    `<figure class="chart" id="${escapeHtml(options.id)}"><h3>${escapeHtml(options.title)}</h3>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">` +
    `${bars.join('')}</svg>${note}</figure>`
  );
}
