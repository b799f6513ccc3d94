import type { Manifest } from './manifest.js';
import { CFG_META_KEYS } from './manifest.js';

/** Where a compiled plan holds a secret value: the file and the key path (never the value). */
export interface PlanSecretFinding {
  /** `manifest.yaml` or `cfg/<step>.json`. */
  file: string;
  /** Key path inside it, e.g. `pipeline.name` or `query`. */
  path: string;
}

// Values the compiler validated as identifiers (ids, component names, `@family.alias`): compared whole,
// since a common-word password (`postgres`) may well be part of one without being leaked by it.
const IDENTIFIER_KEYS = new Set<string>([...CFG_META_KEYS, 'connection']);

type Contains = (text: string) => boolean;

function findInValue(value: unknown, path: string, contains: Contains, equals: Contains): string | undefined {
  if (typeof value === 'string') return contains(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const hit = findInValue(item, `${path}[${i}]`, contains, equals);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    const hit = IDENTIFIER_KEYS.has(key)
      ? typeof item === 'string' && equals(item)
        ? itemPath
        : undefined
      : findInValue(item, itemPath, contains, equals);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Verify that a compiled plan holds no secret before any of it is written into a session: manifest.yaml
 * and cfg/ are copied byte for byte (their fingerprints must hold), never masked. `contains` says
 * whether free text (a pipeline name, a query, a path) holds a secret in any form; `equals` whether an
 * identifier is one. Returns the first finding, undefined when the plan is clean.
 */
export function findPlanSecret(
  manifest: Manifest,
  cfgTexts: ReadonlyMap<string, string>,
  contains: Contains,
  equals: Contains,
): PlanSecretFinding | undefined {
  const name = findInValue({ name: manifest.pipeline.name }, 'pipeline', contains, equals);
  if (name) return { file: 'manifest.yaml', path: name };
  for (const step of manifest.steps) {
    for (const [key, value] of Object.entries({ id: step.id, pipeline_id: manifest.pipeline.id }))
      if (equals(value))
        return { file: 'manifest.yaml', path: key === 'id' ? `steps.${step.id}.id` : 'pipeline.id' };
    const text = cfgTexts.get(step.id) ?? '{}';
    const hit = findInValue(JSON.parse(text) as unknown, '', contains, equals);
    if (hit) return { file: step.cfg_path, path: hit };
  }
  return undefined;
}
