// A run never writes over a file it reads, nor two writers one file: with steps running side by side the
// result would depend on timing, and a source written over is lost. Compared as written in the OML
// (normalised, within one filesystem connection or none); api/compile-pipeline.ts adds the checks that
// need the project (the pipeline file itself, Osiris's own directories).
import { normalize } from 'node:path';
import type { ComponentCatalog } from '../core/component-spec.js';
import type { StepConfig } from '../core/manifest.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { formatPath } from './parse-oml.js';
import type { YamlSource } from './parse-oml.js';
import type { OmlStep } from './read-oml-shape.js';

interface FileUse {
  step: OmlStep;
  key: string;
  value: string;
  /** Connection and normalised path: equal keys name one file. */
  file: string;
}

function listFileUses(
  steps: readonly OmlStep[],
  configs: ReadonlyMap<number, StepConfig | undefined>,
  catalog: ComponentCatalog,
): FileUse[] {
  const uses: FileUse[] = [];
  for (const step of steps) {
    const config = configs.get(step.index);
    const spec = step.component === undefined ? undefined : catalog.get(step.component);
    if (!config || !spec || step.id === undefined) continue;
    const connection = typeof config.connection === 'string' ? config.connection : '';
    for (const key of spec.pathKeys) {
      const value = config[key];
      if (typeof value === 'string')
        uses.push({ step, key, value, file: `${connection}\0${normalize(value)}` });
    }
  }
  return uses;
}

/** Refuse a writer's path that a reader of this pipeline reads or an earlier writer writes. */
export function checkFileTargets(
  steps: readonly OmlStep[],
  configs: ReadonlyMap<number, StepConfig | undefined>,
  catalog: ComponentCatalog,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  const uses = listFileUses(steps, configs, catalog);
  const readers = new Map(uses.filter((u) => u.step.mode === 'read').map((u) => [u.file, u]));
  const writers = new Map<string, FileUse>();
  for (const use of uses) {
    if (use.step.mode !== 'write') continue;
    const reader = readers.get(use.file);
    const writer = writers.get(use.file);
    const why = reader
      ? `is the file step '${reader.step.id}' reads; a run never writes over its own input (write to another path)`
      : writer
        ? `is also written by step '${writer.step.id}'; of two writers of one file only the last to finish would count`
        : undefined;
    if (why === undefined) {
      writers.set(use.file, use);
      continue;
    }
    const at = source.locate(['steps', use.step.index, 'config', use.key]);
    sink.error(formatPath(use.step.path, ['config', use.key]), `${use.key} '${use.value}' ${why}`, at);
  }
}
