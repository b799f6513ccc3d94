import type { ComponentCatalog } from '../core/component-spec.js';
import { OML_VERSION, STEP_MODES } from '../core/manifest.js';
import type { StepMode } from '../core/manifest.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { NAME_LIMITS } from './name-limits.js';
import { formatPath, isPlainObject } from './parse-oml.js';
import type { PathSegment, YamlSource } from './parse-oml.js';
import type { OmlParam } from './read-oml-params.js';
import { readParams, refuseUnknownKeys } from './read-oml-params.js';

/** One step as written, with only the parts that passed the shape checks filled in. */
export interface OmlStep {
  /** 0-based declaration index. */
  index: number;
  /** Path prefix for messages: `steps[1] (id: join)`. */
  path: string;
  /** Step id (undefined when missing or malformed). */
  id: string | undefined;
  /** Component name as written. */
  component: string | undefined;
  /** Mode, when it is one of read/transform/write. */
  mode: StepMode | undefined;
  /** Explicit needs; undefined when the key is absent (or malformed, see needsBroken). */
  needs: string[] | undefined;
  /** True when needs was present but not a list of strings. */
  needsBroken: boolean;
  /** The config as written ({} when absent); undefined when it is not a mapping. */
  config: Record<string, unknown> | undefined;
}

/** The OML document after the shape checks. */
export interface OmlDocument {
  /** Pipeline name (undefined when missing or malformed). */
  name: string | undefined;
  /** Declared params in declaration order. */
  params: OmlParam[];
  /** Steps in declaration order (only those that are mappings). */
  steps: OmlStep[];
  /** Top-level `description`, kept in the manifest. */
  description?: string;
  /** Top-level `metadata` (a mapping of anything), kept in the manifest. */
  metadata?: Record<string, unknown>;
}

const TOP_LEVEL_KEYS = ['oml_version', 'name', 'description', 'metadata', 'params', 'steps'] as const;
const STEP_KEYS = ['id', 'component', 'mode', 'needs', 'config'] as const;
/** Step ids appear in paths, file names (`cfg/<id>.json`) and SQL aliases, hence the narrow alphabet. */
export const STEP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** Check the OML structure (top level, params, steps) and return the usable parts; problems are `invalid`. */
export function readOmlShape(
  source: YamlSource,
  catalog: ComponentCatalog,
  sink: DiagnosticSink,
): OmlDocument {
  const root = source.value;
  const out: OmlDocument = { name: undefined, params: [], steps: [] };
  if (!isPlainObject(root)) {
    sink.invalid(
      '',
      'expected a YAML mapping with oml_version, name and steps at the top level',
      source.locate([]),
    );
    return out;
  }
  refuseUnknownKeys(root, [], '', TOP_LEVEL_KEYS, 'top-level key', source, sink);
  const version = root.oml_version;
  if (!('oml_version' in root)) {
    sink.invalid(
      'oml_version',
      `missing required key 'oml_version' (expected oml_version: "${OML_VERSION}")`,
      source.locate([]),
    );
  } else if (version !== OML_VERSION) {
    const got =
      typeof version === 'string' ? `'${version}'` : `${JSON.stringify(version)} (${typeof version})`;
    sink.invalid(
      'oml_version',
      `unsupported oml_version ${got} (expected the string "${OML_VERSION}")`,
      source.locate(['oml_version']),
    );
  }
  if (!('name' in root)) {
    sink.invalid(
      'name',
      "missing required key 'name' (a non-empty string naming the pipeline)",
      source.locate([]),
    );
  } else if (typeof root.name !== 'string' || root.name.trim() === '') {
    sink.invalid('name', 'name must be a non-empty string', source.locate(['name']));
  } else {
    out.name = root.name;
  }
  readDocumentation(root, out, source, sink);
  out.params = readParams(root.params, source, sink);
  const steps = root.steps;
  if (!('steps' in root)) {
    sink.invalid('steps', "missing required key 'steps' (a non-empty list of steps)", source.locate([]));
  } else if (!Array.isArray(steps)) {
    sink.invalid('steps', 'steps must be a list of steps', source.locate(['steps']));
  } else if (steps.length === 0) {
    sink.invalid('steps', 'steps must not be empty (expected at least one step)', source.locate(['steps']));
  } else {
    steps.forEach((raw, index) => {
      const step = readStep(raw, index, catalog, source, sink);
      if (step) out.steps.push(step);
    });
  }
  return out;
}

function readStep(
  raw: unknown,
  index: number,
  catalog: ComponentCatalog,
  source: YamlSource,
  sink: DiagnosticSink,
): OmlStep | undefined {
  const at = (...segments: PathSegment[]) => source.locate(['steps', index, ...segments]);
  if (!isPlainObject(raw)) {
    sink.invalid(`steps[${index}]`, 'each step must be a mapping with id, component, mode and config', at());
    return undefined;
  }
  const rawId = raw.id;
  const path =
    typeof rawId === 'string' && rawId !== '' ? `steps[${index}] (id: ${rawId})` : `steps[${index}]`;
  const sub = (...segments: PathSegment[]) => formatPath(path, segments);
  const step: OmlStep = {
    index,
    path,
    id: undefined,
    component: undefined,
    mode: undefined,
    needs: undefined,
    needsBroken: false,
    config: {},
  };
  refuseUnknownKeys(raw, ['steps', index], path, STEP_KEYS, 'step key', source, sink);
  if (!('id' in raw)) sink.invalid(path, "missing required key 'id'", at());
  else if (typeof rawId !== 'string') sink.invalid(sub('id'), 'id must be a string', at('id'));
  else if (!STEP_ID_PATTERN.test(rawId)) {
    sink.invalid(
      sub('id'),
      `invalid step id '${rawId}' (expected lowercase letters, digits, '_' and '-', starting with a letter or digit: ^[a-z0-9][a-z0-9_-]*$)`,
      at('id'),
    );
  } else if (rawId.length > NAME_LIMITS.stepIdBytes) {
    // The pattern admits ASCII only, so characters are bytes.
    sink.invalid(
      sub('id'),
      `step id '${rawId.slice(0, 20)}...' is ${rawId.length} bytes long (at most ${NAME_LIMITS.stepIdBytes}: it names cfg/<id>.json, artifacts/<id>/ and the step's table, whose df_<id> alias must fit 63-byte SQL identifiers)`,
      at('id'),
    );
  } else step.id = rawId;
  if (!('component' in raw))
    sink.invalid(path, "missing required key 'component' (e.g. duckdb.processor)", at());
  else if (typeof raw.component !== 'string')
    sink.invalid(sub('component'), 'component must be a string', at('component'));
  else step.component = raw.component;
  const modeHint = () => {
    const spec = step.component === undefined ? undefined : catalog.get(step.component);
    return spec ? `${spec.modes.join(', ')} for ${spec.name}` : STEP_MODES.join(', ');
  };
  if (!('mode' in raw))
    sink.invalid(path, `missing required key 'mode' (expected one of: ${modeHint()})`, at());
  else if (!STEP_MODES.includes(raw.mode as StepMode)) {
    const got = typeof raw.mode === 'string' ? `'${raw.mode}'` : JSON.stringify(raw.mode);
    sink.invalid(sub('mode'), `invalid mode ${got} (expected one of: ${modeHint()})`, at('mode'));
  } else step.mode = raw.mode as StepMode;
  readNeeds(raw.needs, step, { sub, at, sink }, 'needs' in raw);
  if ('config' in raw && raw.config !== null && !isPlainObject(raw.config)) {
    step.config = undefined;
    sink.invalid(sub('config'), 'config must be a mapping of config keys', at('config'));
  } else if (isPlainObject(raw.config)) step.config = raw.config;
  return step;
}

/** Where a step's findings go: its path, positions and the sink. */
interface StepScope {
  sub: (...segments: PathSegment[]) => string;
  at: (...segments: PathSegment[]) => ReturnType<YamlSource['locate']>;
  sink: DiagnosticSink;
}

function readNeeds(needs: unknown, step: OmlStep, scope: StepScope, present: boolean): void {
  const { sub, at, sink } = scope;
  if (!present || needs === null) return;
  if (!Array.isArray(needs)) {
    step.needsBroken = true;
    sink.invalid(sub('needs'), 'needs must be a list of step ids, e.g. needs: [extract-movies]', at('needs'));
  } else {
    needs.forEach((need, i) => {
      if (typeof need !== 'string') {
        step.needsBroken = true;
        sink.invalid(
          sub('needs', i),
          `needs entries must be step ids (strings), got ${JSON.stringify(need)}`,
          at('needs', i),
        );
      }
    });
    if (!step.needsBroken) step.needs = needs as string[];
  }
}

// `description` and `metadata` (upstream OML writes both) describe the pipeline; no step reads them.
function readDocumentation(
  root: Record<string, unknown>,
  out: OmlDocument,
  source: YamlSource,
  sink: DiagnosticSink,
): void {
  if ('description' in root) {
    if (typeof root.description === 'string') out.description = root.description;
    else sink.invalid('description', 'description must be a string', source.locate(['description']));
  }
  if ('metadata' in root) {
    if (isPlainObject(root.metadata)) out.metadata = root.metadata;
    else
      sink.invalid(
        'metadata',
        'metadata must be a mapping (e.g. metadata: { owner: data-team })',
        source.locate(['metadata']),
      );
  }
}
