import type { DiagnosticSink } from './diagnostic-sink.js';
import { renderSuggestion } from './find-closest-name.js';
import { formatPath, isPlainObject } from './parse-oml.js';
import type { PathSegment, YamlSource } from './parse-oml.js';

/** A declared param. */
export interface OmlParam {
  /** Param name as declared. */
  name: string;
  /** False when declared without a default (it must then come from the env or --param). */
  hasDefault: boolean;
  /** The YAML default (string, number, boolean or null); its type is the param's type. */
  default: string | number | boolean | null;
}

const PARAM_KEYS = ['default', 'description'] as const;
const PARAM_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `params:` mapping: each NAME: VALUE or NAME: {default, description}, in declaration order. */
export function readParams(raw: unknown, source: YamlSource, sink: DiagnosticSink): OmlParam[] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) {
    sink.invalid(
      'params',
      'params must be a mapping of NAME: {default: VALUE} or NAME: VALUE',
      source.locate(['params']),
    );
    return [];
  }
  const params: OmlParam[] = [];
  for (const [name, decl] of Object.entries(raw)) {
    const path = `params.${name}`;
    if (!PARAM_NAME_PATTERN.test(name)) {
      sink.invalid(
        path,
        `invalid param name '${name}' (expected letters, digits and '_', not starting with a digit)`,
        source.locate(['params', name], 'key'),
      );
      continue;
    }
    if (decl === null) {
      params.push({ name, hasDefault: false, default: null });
    } else if (isScalar(decl)) {
      params.push({ name, hasDefault: true, default: decl });
    } else if (isPlainObject(decl)) {
      refuseUnknownKeys(decl, ['params', name], path, PARAM_KEYS, 'param key', source, sink);
      if ('description' in decl && typeof decl.description !== 'string') {
        sink.invalid(
          `${path}.description`,
          'description must be a string',
          source.locate(['params', name, 'description']),
        );
      }
      if (!('default' in decl)) {
        params.push({ name, hasDefault: false, default: null });
      } else if (decl.default === null || isScalar(decl.default)) {
        params.push({ name, hasDefault: true, default: decl.default });
      } else {
        sink.invalid(
          `${path}.default`,
          'a param default must be a string, number, boolean or null',
          source.locate(['params', name, 'default']),
        );
      }
    } else {
      sink.invalid(
        path,
        'a param must be NAME: VALUE or NAME: {default: VALUE} with a string, number, boolean or null',
        source.locate(['params', name]),
      );
    }
  }
  return params;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Report every key of `map` outside `allowed`, with a did-you-mean. */
export function refuseUnknownKeys(
  map: Record<string, unknown>,
  at: PathSegment[],
  path: string,
  allowed: readonly string[],
  what: string,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key)) continue;
    const message = `unknown ${what} '${key}' (expected one of: ${allowed.join(', ')})${renderSuggestion(key, allowed)}`;
    sink.invalid(formatPath(path, [key]), message, source.locate([...at, key], 'key'));
  }
}
