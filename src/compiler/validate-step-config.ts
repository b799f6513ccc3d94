import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type * as AjvModule from 'ajv';
import type { ComponentCatalog, ComponentSpec } from '../core/component-spec.js';
import { parseConnectionRef } from '../core/connection.js';
import { CFG_META_KEYS } from '../core/manifest.js';
import type { StepConfig } from '../core/manifest.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { renderSuggestion } from './find-closest-name.js';
import { formatPath, isPlainObject } from './parse-oml.js';
import type { PathSegment, YamlSource } from './parse-oml.js';
import type { OmlStep } from './read-oml-shape.js';
import { substituteParams } from './resolve-params.js';
import type { ParamTable } from './resolve-params.js';
import { findInlineSecrets } from './find-inline-secrets.js';
import { checkFileConfig } from './check-file-config.js';
import { CONFIG_AJV_OPTIONS, PRECOMPILED_VALIDATORS } from './config-validators.js';

/**
 * Ajv, loaded on first use: the built CLI's validators are generated at build time, so loading and
 * initialising Ajv (~15 ms of every start) is only for components without one (a library user's own).
 */
let loadedAjv: typeof Ajv | undefined;
function loadAjv(): typeof Ajv {
  loadedAjv ??= (createRequire(import.meta.url)('ajv') as typeof AjvModule).Ajv;
  return loadedAjv;
}

// Compiled validators per schema object: specs are long-lived, and compiling a schema costs far more than using it.
const validators = new WeakMap<object, ValidateFunction>();

function compileSchema(spec: ComponentSpec): ValidateFunction {
  let validate = validators.get(spec.configSchema);
  if (!validate) {
    // One Ajv per schema: a schema `$id` registered twice in one instance would throw.
    validate =
      PRECOMPILED_VALIDATORS.get(JSON.stringify(spec.configSchema)) ??
      new (loadAjv())(CONFIG_AJV_OPTIONS).compile(spec.configSchema);
    validators.set(spec.configSchema, validate);
  }
  return validate;
}

/** Check a step's component, mode and config; returns the cfg config (defaults filled, params substituted) when the step is sound. */
export function validateStepConfig(
  step: OmlStep,
  catalog: ComponentCatalog,
  params: ParamTable,
  source: YamlSource,
  sink: DiagnosticSink,
): StepConfig | undefined {
  const at = (segments: PathSegment[], target: 'key' | 'value' = 'value') =>
    source.locate(['steps', step.index, ...segments], target);
  const sub = (segments: PathSegment[]) => formatPath(step.path, segments);
  if (step.component === undefined) return undefined;
  const spec = catalog.get(step.component);
  if (!spec) {
    const known = [...catalog.keys()].sort();
    const message = `unknown component '${step.component}' (known components: ${known.join(', ')})${renderSuggestion(step.component, known)}`;
    sink.error(sub(['component']), message, at(['component']));
    return undefined;
  }
  if (step.mode !== undefined && !spec.modes.includes(step.mode)) {
    sink.error(
      sub(['mode']),
      `mode '${step.mode}' is not allowed for component '${spec.name}' (allowed: ${spec.modes.join(', ')})`,
      at(['mode']),
    );
  }
  if (step.config === undefined) return undefined;
  let sound = true;
  const fail = (segments: PathSegment[], message: string, target: 'key' | 'value' = 'value') => {
    sound = false;
    sink.error(sub(['config', ...segments]), message, at(['config', ...segments], target));
  };
  for (const key of CFG_META_KEYS) {
    if (key in step.config)
      fail([key], `'${key}' is reserved for the compiler (remove it from config)`, 'key');
  }
  const secretPaths = new Set<string>();
  for (const found of findInlineSecrets(step.config, spec)) {
    secretPaths.add(found.segments.join('\u0000'));
    const family = spec.connectionFamilies[0] ?? 'family';
    const message =
      `inline secret '${String(found.segments.at(-1))}' refused: secrets never go in OML; ` +
      `put it in osiris_connections.yaml and reference the connection with connection: "@${family}.<alias>"`;
    fail(found.segments, message, 'key');
  }
  // A string whose reference failed still holds `${params.X}`: a schema complaint about it would only echo that finding.
  const unsubstituted = new Set<string>();
  const substituted = substituteParams(
    step.config,
    params,
    {
      base: ['steps', step.index, 'config'],
      path: (s) => sub(['config', ...s]),
      onUnsubstituted: (s) => unsubstituted.add(s.join('\u0000')),
    },
    source,
    sink,
  ) as StepConfig;
  const config = structuredClone(substituted);
  let validate: ValidateFunction;
  try {
    validate = compileSchema(spec);
  } catch (error) {
    fail([], `component '${spec.name}' has an invalid config schema: ${(error as Error).message}`, 'key');
    return undefined;
  }
  if (!validate(config)) {
    for (const error of validate.errors ?? []) {
      const described = describeSchemaError(error, config);
      // The inline-secret finding already covers the key; a schema complaint about it would only repeat it.
      const joined = described.segments.join('\u0000');
      if ([...secretPaths].some((p) => joined === p || joined.startsWith(`${p}\u0000`))) continue;
      if (unsubstituted.has(joined)) continue;
      fail(described.segments, described.message, described.keyName ? 'key' : 'value');
    }
  }
  checkConfigRules(config, spec, fail);
  return sound ? config : undefined;
}

function checkConnection(
  config: StepConfig,
  spec: ComponentSpec,
  fail: (s: PathSegment[], m: string) => void,
): void {
  if (!('connection' in config) || spec.connectionFamilies.length === 0) return;
  const value = config.connection;
  const families = spec.connectionFamilies.join(', ');
  const ref = parseConnectionRef(value);
  if (!ref) {
    const got = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    fail(
      ['connection'],
      `connection must be a reference "@family.alias" (e.g. "@${spec.connectionFamilies[0]}.main"), got ${got}`,
    );
  } else if (!spec.connectionFamilies.includes(ref.family)) {
    fail(
      ['connection'],
      `connection family mismatch: '${String(value)}' is a ${ref.family} connection, but component '${spec.name}' accepts: ${families}`,
    );
  }
}

const KEYED_WRITE_MODES = ['replace', 'upsert'];

function checkWriteMode(config: StepConfig, fail: (s: PathSegment[], m: string) => void): void {
  const mode = config.write_mode;
  if (typeof mode !== 'string' || !KEYED_WRITE_MODES.includes(mode)) return;
  const key = config.primary_key;
  const present = (typeof key === 'string' && key.trim() !== '') || (Array.isArray(key) && key.length > 0);
  if (!present) {
    fail(
      ['write_mode'],
      `write_mode '${mode}' requires primary_key (a column name or a non-empty list of column names)`,
    );
  }
}

/**
 * `table: public.events` names a table called "public.events" (identifiers are quoted): a writer would
 * create that beside the real one. Components that take `schema` get the split spelled out.
 */
function checkTableName(
  config: StepConfig,
  spec: ComponentSpec,
  fail: (s: PathSegment[], m: string) => void,
): void {
  const table = config.table;
  const properties = spec.configSchema.properties as Record<string, unknown> | undefined;
  if (typeof table !== 'string' || !properties || !('schema' in properties)) return;
  const dot = table.indexOf('.');
  if (dot <= 0 || dot === table.length - 1) return;
  const [schema, name] = [table.slice(0, dot), table.slice(dot + 1)];
  fail(
    ['table'],
    `table '${table}' holds a dot, but a table name is used as it is (quoted), so this would be a table named '${table}'; give the schema apart: schema: ${schema} and table: ${name}`,
  );
}

/** The rules of a config that its JSON Schema cannot express. */
function checkConfigRules(
  config: StepConfig,
  spec: ComponentSpec,
  fail: (s: PathSegment[], m: string) => void,
): void {
  checkConnection(config, spec, fail);
  checkWriteMode(config, fail);
  checkTableName(config, spec, fail);
  checkFileConfig(config, spec, fail);
}

interface DescribedError {
  /** Path inside config. */
  segments: PathSegment[];
  /** True when the error is about a key (unknown or missing) rather than a value. */
  keyName: boolean;
  /** Message without the path. */
  message: string;
}

// Names other tools give keys this project names otherwise (pandas' and upstream OML's `quotechar`), too
// far from ours by spelling for the edit-distance suggestion.
const FOREIGN_KEY_NAMES: Readonly<Record<string, readonly string[]>> = { quotechar: ['quote', 'quoting'] };

function suggestConfigKey(key: string, expected: readonly string[]): string {
  const ours = FOREIGN_KEY_NAMES[key]?.find((k) => expected.includes(k));
  return ours === undefined ? renderSuggestion(key, expected) : `; did you mean '${ours}'?`;
}

function describeSchemaError(error: ErrorObject, config: StepConfig): DescribedError {
  const segments = decodePointer(error.instancePath, config);
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; required?: string[] };
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const expected = Object.keys(parent.properties ?? {}).sort();
    const list =
      expected.length > 0 ? `expected one of: ${expected.join(', ')}` : 'this mapping takes no keys';
    return {
      segments: [...segments, key],
      keyName: true,
      message: `unknown config key '${key}' (${list})${suggestConfigKey(key, expected)}`,
    };
  }
  if (error.keyword === 'required') {
    const key = String((error.params as { missingProperty: string }).missingProperty);
    const all = parent.required ?? [key];
    return {
      segments: [...segments, key],
      keyName: true,
      message: `missing required config key '${key}' (required keys: ${all.join(', ')})`,
    };
  }
  const got = describeType(error.data);
  if (error.keyword === 'type') {
    return {
      segments,
      keyName: false,
      message: `must be ${String((error.params as { type: unknown }).type)} (got ${got})`,
    };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
      .map((v) => JSON.stringify(v))
      .join(', ');
    return {
      segments,
      keyName: false,
      message: `must be one of: ${allowed} (got ${renderShort(error.data)})`,
    };
  }
  return {
    segments,
    keyName: false,
    message: `${error.message ?? 'is invalid'} (got ${renderShort(error.data)})`,
  };
}

function decodePointer(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(node) ? Number(key) : key;
    out.push(segment);
    node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function renderShort(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
