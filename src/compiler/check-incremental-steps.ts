import type { ComponentCatalog } from '../core/index.js';
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
  catalog: ComponentCatalog,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  // the ancestor sets below grow with the square of a long chain: only a pipeline that uses it pays
  if (!order.some((s) => s.config?.incremental !== undefined || s.config?.chunk_rows !== undefined)) return;
  const steps = order.flatMap((s) =>
    s.id === undefined || s.mode === undefined
      ? []
      : [{ id: s.id, mode: s.mode, needs: needs.get(s.id) ?? [] }],
  );
  const byId = new Map(order.map((s) => [s.id, s]));
  const linked = new Set(listStateLinks(steps, (id) => byId.get(id)?.config).map((l) => l.extractorStep));
  for (const step of order) {
    const config = step.config;
    if (step.mode !== 'read' || step.id === undefined || !config) continue;
    if (config.chunk_rows !== undefined) checkChunkedStep(step, order, needs, catalog, source, sink);
    if (!readIncrementalSpec(config) || linked.has(step.id)) continue;
    sink.error(
      formatPath(step.path, ['config', 'incremental']),
      `incremental extractor '${step.id}' feeds no writer, so its boundary would never be stored and every run ` +
        'would read everything; add a writer after it (directly or through transforms), or remove incremental',
      source.locate(['steps', step.index, 'config', 'incremental'], 'key'),
    );
  }
}

/** Write modes a chunked load may use: each chunk adds to what the earlier ones committed. */
const CHUNKED_WRITE_MODES = ['append', 'upsert'];

/**
 * `chunk_rows` commits each chunk with its boundary, so the extractor must be incremental and read by
 * exactly one database writer (a writer with a connection) that reads nothing else, appending or
 * upserting (a replace would delete the earlier chunks).
 */
function checkChunkedStep(
  step: OmlStep,
  order: readonly OmlStep[],
  needs: ReadonlyMap<string, string[]>,
  catalog: ComponentCatalog,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  const id = step.id as string;
  const config = step.config ?? {};
  const consumers = order.filter((s) => s.id !== undefined && (needs.get(s.id) ?? []).includes(id));
  const writer = consumers[0];
  const spec = writer?.component === undefined ? undefined : catalog.get(writer.component);
  const mode = writer?.config?.write_mode ?? 'append';
  const problem = !readIncrementalSpec(config)
    ? 'needs incremental: chunks are keyset ranges of (cursor, primary_key)'
    : consumers.length !== 1 || writer === undefined
      ? `needs exactly one step reading '${id}' (found ${consumers.length}), a database writer`
      : writer.mode !== 'write' || !spec || !spec.connectionFamilies.some((f) => f !== 'filesystem')
        ? `is read by '${writer.id}', which is not a database writer; each chunk must commit in a database transaction`
        : (needs.get(writer.id as string) ?? []).length !== 1
          ? `is read by '${writer.id}', which reads other steps too`
          : typeof mode !== 'string' || !CHUNKED_WRITE_MODES.includes(mode)
            ? `is read by '${writer.id}' with write_mode ${String(mode)}; each chunk is committed on its own, so use append or upsert`
            : undefined;
  if (problem === undefined) return;
  sink.error(
    formatPath(step.path, ['config', 'chunk_rows']),
    `chunk_rows ${problem}`,
    source.locate(['steps', step.index, 'config', 'chunk_rows'], 'key'),
  );
}
