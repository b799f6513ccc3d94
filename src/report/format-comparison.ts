import type { SessionComparison } from './compare-sessions.js';

function show(value: unknown): string {
  const text = value === undefined ? '(absent)' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Plain-text parity report for `osiris logs compare` (one verdict line, then each difference). */
export function formatComparison(c: SessionComparison): string {
  const { a, b } = c.sessions;
  const side = (s: typeof a): string =>
    `${s.id} (${s.adapter}${s.transport ? `/${s.transport}` : ''}, ${s.status})`;
  const lines = [`A ${side(a)}`, `B ${side(b)}`];
  const total = c.eventDiffs.length + c.metricDiffs.length + c.artifactDiffs.length;
  lines.push(c.equal ? 'EQUAL: no difference after normalization' : `DIFFERENT: ${total} difference(s)`);
  const counted = c.eventCounts.filter((e) => !e.ignored && e.a !== e.b);
  if (counted.length > 0) {
    lines.push('event counts that differ:');
    for (const e of counted)
      lines.push(`  ${e.event.padEnd(30)} A ${String(e.a).padStart(6)}   B ${String(e.b).padStart(6)}`);
  }
  for (const d of c.eventDiffs) {
    if (d.kind === 'changed') {
      lines.push(
        `events: first difference at #${d.index + 1} (A line ${d.a?.line}, B line ${d.b?.line}): ${d.a?.event} vs ${d.b?.event}`,
      );
      for (const f of d.fields) lines.push(`  ${f.field}: A ${show(f.a)}  B ${show(f.b)}`);
    } else if (d.kind === 'missing') {
      lines.push(
        `events: B ends after ${d.index} events; A continues with ${d.a?.event} (A line ${d.a?.line})`,
      );
    } else {
      lines.push(
        `events: A ends after ${d.index} events; B continues with ${d.b?.event} (B line ${d.b?.line})`,
      );
    }
  }
  for (const m of c.metricDiffs) {
    const where = m.metric.step_id ? ` step ${m.metric.step_id}` : '';
    lines.push(
      `metric ${m.kind === 'missing' ? 'missing in B' : 'extra in B'}: ${m.metric.metric}${where} = ${show(m.metric.value)}${m.metric.tags ? ` ${JSON.stringify(m.metric.tags)}` : ''} (A ${m.a}×, B ${m.b}×)`,
    );
  }
  for (const f of c.artifactDiffs) {
    const what =
      f.kind === 'missing'
        ? 'only in A'
        : f.kind === 'extra'
          ? 'only in B'
          : `bytes differ (A ${f.sizeA} B, B ${f.sizeB} B)`;
    lines.push(`artifact ${f.path}: ${what}`);
  }
  return `${lines.join('\n')}\n`;
}
