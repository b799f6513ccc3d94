import { listStateLinks, readIncrementalSpec } from '../core/index.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { formatPath } from './parse-oml.js';
import type { YamlSource } from './parse-oml.js';
import type { OmlStep } from './read-oml-shape.js';

/**
 * An incremental extractor must feed a writer: the boundary is stored only by the writers after it
 * (docs/incremental.md), so without one every run would read everything while looking incremental.
 */
export function checkIncrementalSteps(
  order: readonly OmlStep[],
  needs: ReadonlyMap<string, string[]>,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  const steps = order.flatMap((s) =>
    s.id === undefined || s.mode === undefined
      ? []
      : [{ id: s.id, mode: s.mode, needs: needs.get(s.id) ?? [] }],
  );
  const byId = new Map(order.map((s) => [s.id, s]));
  const linked = new Set(listStateLinks(steps, (id) => byId.get(id)?.config).map((l) => l.extractorStep));
  for (const step of order) {
    const config = step.config;
    if (step.mode !== 'read' || step.id === undefined || !config || !readIncrementalSpec(config)) continue;
    if (linked.has(step.id)) continue;
    sink.error(
      formatPath(step.path, ['config', 'incremental']),
      `incremental extractor '${step.id}' feeds no writer, so its boundary would never be stored and every run ` +
        'would read everything; add a writer after it (directly or through transforms), or remove incremental',
      source.locate(['steps', step.index, 'config', 'incremental'], 'key'),
    );
  }
}
