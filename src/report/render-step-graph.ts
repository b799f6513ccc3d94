import { escapeHtml } from './escape-html.js';
import type { ReportStep } from './summarize-session.js';

const NODE_W = 178;
const NODE_H = 40;
const GAP_X = 54;
const GAP_Y = 14;
const PAD = 12;

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Column of each step: one more than its deepest upstream step (needs outside the plan are ignored). */
function assignLayers(steps: readonly ReportStep[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle cannot come from the compiler; do not loop on a hand-edited manifest
    visiting.add(id);
    const step = byId.get(id);
    const d = step ? Math.max(-1, ...step.needs.filter((n) => byId.has(n)).map(depth)) + 1 : 0;
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const s of steps) depth(s.id);
  return layer;
}

/** The step graph from the manifest as inline SVG: columns by dependency depth, nodes coloured by outcome. */
export function renderStepGraph(steps: readonly ReportStep[]): string {
  if (steps.length === 0) return '<p class="note">No steps to draw.</p>';
  const layers = assignLayers(steps);
  const byLayer = new Map<number, ReportStep[]>();
  for (const s of steps) {
    const col = layers.get(s.id) ?? 0;
    byLayer.set(col, [...(byLayer.get(col) ?? []), s]);
  }
  // one barycentre pass: a node sits near the mean row of its inputs, which removes most crossings
  const rowOf = new Map<string, number>();
  const rowsInLayer = new Map<number, number>();
  const pos = new Map<string, { x: number; y: number }>();
  for (const col of [...byLayer.keys()].sort((a, b) => a - b)) {
    const layer = byLayer.get(col) ?? [];
    const weight = (s: ReportStep): number => {
      const rows = s.needs.map((n) => rowOf.get(n)).filter((r): r is number => r !== undefined);
      return rows.length > 0 ? rows.reduce((a, b) => a + b, 0) / rows.length : s.index;
    };
    const ordered = col === 0 ? layer : [...layer].sort((a, b) => weight(a) - weight(b) || a.index - b.index);
    ordered.forEach((s, row) => {
      rowOf.set(s.id, row);
      pos.set(s.id, { x: PAD + col * (NODE_W + GAP_X), y: PAD + row * (NODE_H + GAP_Y) });
    });
    rowsInLayer.set(col, ordered.length);
  }
  const cols = Math.max(...rowsInLayer.keys()) + 1;
  const rows = Math.max(...rowsInLayer.values());
  const width = PAD * 2 + cols * NODE_W + (cols - 1) * GAP_X;
  const height = PAD * 2 + rows * NODE_H + (rows - 1) * GAP_Y;
  const edges: string[] = [];
  for (const s of steps) {
    const to = pos.get(s.id);
    for (const need of s.needs) {
      const from = pos.get(need);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      edges.push(
        `<path class="edge" data-from="${escapeHtml(need)}" data-to="${escapeHtml(s.id)}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 6},${y2}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  const nodes = steps.map((s) => {
    const p = pos.get(s.id) as { x: number; y: number };
    return (
      `<g class="node state-${s.state}" data-step="${escapeHtml(s.id)}" transform="translate(${p.x},${p.y})">` +
      `<title>${escapeHtml(`${s.id} — ${s.driver || '?'} (${s.mode || '?'}) — ${s.state.replace('_', ' ')}`)}</title>` +
      `<rect width="${NODE_W}" height="${NODE_H}" rx="6"/>` +
      `<text x="8" y="16">${escapeHtml(shorten(s.id, 26))}</text>` +
      `<text class="sub" x="8" y="31">${escapeHtml(shorten(`${s.driver} · ${s.state.replace('_', ' ')}`, 32))}</text></g>`
    );
  });
  return (
    `<div class="graph-scroll"><svg id="step-graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Step graph">` +
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="2" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#8b93a1"/></marker></defs>` +
    `${edges.join('')}${nodes.join('')}</svg></div>`
  );
}
