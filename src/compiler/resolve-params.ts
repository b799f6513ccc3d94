import type { DiagnosticSink } from './diagnostic-sink.js';
import { renderSuggestion } from './find-closest-name.js';
import type { OmlParam } from './read-oml-params.js';
import type { PathSegment, YamlSource } from './parse-oml.js';

/** A param value after resolution: the YAML types of OML scalars. */
export type ParamValue = string | number | boolean | null;

/** Resolved params: values of every declared param that got one, and names that got none. */
export interface ParamTable {
  /** Resolved value per param name. */
  values: Map<string, ParamValue>;
  /** Declared params without a default that neither the env nor --param gave. */
  unresolved: Set<string>;
  /** Declared names, in declaration order (for messages). */
  declared: string[];
  /** Params whose given value was refused: already reported, so references to them report nothing more. */
  refused: Set<string>;
}

/** Environment variable prefix for params (`OSIRIS_PARAM_<NAME>`). */
export const PARAM_ENV_PREFIX = 'OSIRIS_PARAM_';

/** Resolve params with precedence default < env `OSIRIS_PARAM_<NAME>` < `--param NAME=V`; env and CLI strings take the default's type. */
export function resolveParams(
  params: readonly OmlParam[],
  cliParams: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  source: YamlSource,
  sink: DiagnosticSink,
): ParamTable {
  const table: ParamTable = {
    values: new Map(),
    unresolved: new Set(),
    declared: params.map((p) => p.name),
    refused: new Set(),
  };
  for (const param of params) {
    const fromCli = Object.hasOwn(cliParams, param.name) ? cliParams[param.name] : undefined;
    const envName = findEnvName(param.name, env);
    const given = fromCli ?? (envName === undefined ? undefined : env[envName]);
    if (given === undefined) {
      if (param.hasDefault) table.values.set(param.name, param.default);
      else table.unresolved.add(param.name);
      continue;
    }
    const origin = fromCli !== undefined ? `--param ${param.name}=${given}` : `${envName}=${given}`;
    const coerced = coerceParam(given, param);
    if (coerced.ok) table.values.set(param.name, coerced.value);
    else {
      table.refused.add(param.name);
      sink.error(
        `params.${param.name}`,
        `${origin}: ${coerced.message}`,
        source.locate(['params', param.name], 'key'),
      );
    }
  }
  for (const name of Object.keys(cliParams)) {
    if (table.declared.includes(name)) continue;
    const known =
      table.declared.length > 0
        ? `declared params: ${table.declared.join(', ')}`
        : 'the pipeline declares no params';
    sink.error(
      `--param ${name}`,
      `unknown param '${name}' (${known})${renderSuggestion(name, table.declared)}`,
    );
  }
  return table;
}

// The exact name wins; the upper-case form is what shells usually export.
function findEnvName(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const candidate of [`${PARAM_ENV_PREFIX}${name}`, `${PARAM_ENV_PREFIX}${name.toUpperCase()}`]) {
    if (env[candidate] !== undefined) return candidate;
  }
  return undefined;
}

function coerceParam(
  text: string,
  param: OmlParam,
): { ok: true; value: ParamValue } | { ok: false; message: string } {
  if (!param.hasDefault || param.default === null || typeof param.default === 'string')
    return { ok: true, value: text };
  if (typeof param.default === 'number') {
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n)) return { ok: true, value: n };
    return { ok: false, message: `expected a number (the default ${param.default} is a number)` };
  }
  if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
  return { ok: false, message: `expected true or false (the default ${param.default} is a boolean)` };
}

const REFERENCE = /\$\{params\.([^}]*)\}/g;
const EXACT_REFERENCE = /^\$\{params\.([^}]*)\}$/;

/** Replace `${params.NAME}` in every string of `value`; a string that is exactly one reference takes the param's type. */
export function substituteParams(
  value: unknown,
  table: ParamTable,
  where: {
    base: PathSegment[];
    path: (segments: PathSegment[]) => string;
    /** Receives the config path of every string left unsubstituted (its reference was reported). */
    onUnsubstituted?: (segments: PathSegment[]) => void;
  },
  source: YamlSource,
  sink: DiagnosticSink,
): unknown {
  const visit = (node: unknown, at: PathSegment[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...at, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...at, k])]));
    }
    if (typeof node !== 'string' || !node.includes('${params.')) return node;
    const lookup = (name: string): ParamValue | undefined => {
      if (table.values.has(name)) return table.values.get(name) as ParamValue;
      where.onUnsubstituted?.(at);
      // The refused value was reported at the param; 'unknown param' here would contradict that finding.
      if (table.refused.has(name)) return undefined;
      const position = source.locate([...where.base, ...at]);
      if (table.unresolved.has(name)) {
        const message = `unresolved param '${name}' (it has no default: pass --param ${name}=VALUE or set ${PARAM_ENV_PREFIX}${name.toUpperCase()})`;
        sink.error(where.path(at), message, position);
      } else {
        const known =
          table.declared.length > 0
            ? `known params: ${table.declared.join(', ')}`
            : 'the pipeline declares no params';
        sink.error(
          where.path(at),
          `unknown param '${name}' in '\${params.${name}}' (${known})${renderSuggestion(name, table.declared)}`,
          position,
        );
      }
      return undefined;
    };
    const exact = EXACT_REFERENCE.exec(node);
    if (exact) {
      const v = lookup(exact[1] as string);
      return v === undefined ? node : v;
    }
    return node.replace(REFERENCE, (whole, name: string) => {
      const v = lookup(name);
      if (v === undefined) return whole;
      // Inside a longer string a null param renders as nothing, like an unset shell variable.
      return v === null ? '' : String(v);
    });
  };
  return visit(value, []);
}

/** Names referenced by `${params.NAME}` anywhere in `value`. */
export function listParamReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) listParamReferences(item, into);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) listParamReferences(v, into);
  else if (typeof value === 'string') for (const m of value.matchAll(REFERENCE)) into.add(m[1] as string);
  return into;
}
