import { CompileError } from '../core/errors.js';
import { OML_VERSION, STEP_MODES } from '../core/manifest.js';
import type { Manifest, StepMode } from '../core/manifest.js';
import { createDiagnosticSink } from './diagnostic-sink.js';
import { NAME_LIMITS } from './name-limits.js';
import { formatPath, isPlainObject, parseYamlSource } from './parse-oml.js';
import type { PathSegment } from './parse-oml.js';
import { STEP_ID_PATTERN } from './read-oml-shape.js';
import { createCfgPath, PIPELINE_ID_PATTERN } from './write-manifest.js';

const FINGERPRINT_KEYS = ['oml_fp', 'params_fp', 'compiler_fp', 'registry_fp', 'manifest_fp'] as const;
/** What every fingerprint of a manifest looks like. */
export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/;
const HINT = 'recompile the pipeline with `osiris compile`';

/**
 * Read a compiled manifest (for `osiris run manifest.yaml`) and check its shape: every key, type, step order and cfg path.
 * Throws CompileError('oml_invalid') for YAML syntax, CompileError('compile_error') for a manifest of the wrong shape.
 */
export function parseManifest(text: string, file: string): Manifest {
  const sink = createDiagnosticSink();
  const source = parseYamlSource(text, file, sink);
  if (!source) throw new CompileError('oml_invalid', sink.list());
  const fail = (segments: PathSegment[], message: string, target: 'key' | 'value' = 'value') =>
    sink.error(formatPath('', segments), message, source.locate(segments, target));
  const root = source.value;
  const expectKeys = (
    value: unknown,
    at: PathSegment[],
    keys: readonly string[],
    what: string,
    optional: readonly string[] = [],
  ): value is Record<string, unknown> => {
    if (!isPlainObject(value)) {
      fail(at, `${what} must be a mapping with ${keys.join(', ')} (${HINT})`);
      return false;
    }
    const known = [...keys, ...optional];
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        fail([...at, key], `unknown key '${key}' in ${what} (expected: ${known.join(', ')})`, 'key');
    }
    for (const key of keys) {
      if (!(key in value)) fail([...at, key], `missing key '${key}' in ${what} (${HINT})`, 'key');
    }
    return true;
  };
  const expectString = (value: unknown, at: PathSegment[]): void => {
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      fail(at, 'must be a non-empty string');
  };
  if (!expectKeys(root, [], ['meta', 'pipeline', 'steps'], 'the manifest'))
    throw new CompileError('compile_error', sink.list());
  if (
    'meta' in root &&
    expectKeys(root.meta, ['meta'], ['oml_version', 'compiler_version', 'profile'], 'meta')
  ) {
    const meta = root.meta;
    for (const key of ['compiler_version', 'profile']) expectString(meta[key], ['meta', key]);
    if ('oml_version' in meta && meta.oml_version !== OML_VERSION) {
      fail(
        ['meta', 'oml_version'],
        `manifest is for OML ${JSON.stringify(meta.oml_version)}, this osiris reads "${OML_VERSION}" (${HINT})`,
      );
    }
  }
  const checks: ManifestChecks = { fail, expectKeys, expectString };
  if ('pipeline' in root) readPipeline(root.pipeline, checks);
  if ('steps' in root) readSteps(root.steps, checks);
  const diagnostics = sink.list();
  if (diagnostics.length > 0) throw new CompileError('compile_error', diagnostics);
  return root as unknown as Manifest;
}

/** The checks parseManifest shares with its parts (one diagnostic sink). */
interface ManifestChecks {
  fail: (at: PathSegment[], message: string, target?: 'key' | 'value') => void;
  expectKeys: (
    value: unknown,
    at: PathSegment[],
    keys: readonly string[],
    what: string,
    optional?: readonly string[],
  ) => value is Record<string, unknown>;
  expectString: (value: unknown, at: PathSegment[]) => void;
}

function readPipeline(pipeline: unknown, checks: ManifestChecks): void {
  const { fail, expectKeys, expectString } = checks;
  const keys = ['id', 'name', 'fingerprints'];
  if (!expectKeys(pipeline, ['pipeline'], keys, 'pipeline', ['description', 'metadata'])) return;
  expectString(pipeline.name, ['pipeline', 'name']);
  if ('description' in pipeline && typeof pipeline.description !== 'string')
    fail(['pipeline', 'description'], 'must be a string');
  if ('metadata' in pipeline && !isPlainObject(pipeline.metadata))
    fail(['pipeline', 'metadata'], 'must be a mapping');
  if ('id' in pipeline && (typeof pipeline.id !== 'string' || !PIPELINE_ID_PATTERN.test(pipeline.id))) {
    fail(['pipeline', 'id'], 'must be a pipeline id (lowercase letters, digits, _ and -)');
  } else if (typeof pipeline.id === 'string' && pipeline.id.length > NAME_LIMITS.pipelineIdBytes) {
    fail(
      ['pipeline', 'id'],
      `must be at most ${NAME_LIMITS.pipelineIdBytes} bytes long (got ${pipeline.id.length})`,
    );
  }
  if (
    'fingerprints' in pipeline &&
    expectKeys(pipeline.fingerprints, ['pipeline', 'fingerprints'], FINGERPRINT_KEYS, 'pipeline.fingerprints')
  ) {
    const fps = pipeline.fingerprints;
    for (const key of FINGERPRINT_KEYS) {
      if (key in fps && (typeof fps[key] !== 'string' || !FINGERPRINT_PATTERN.test(fps[key] as string))) {
        fail(['pipeline', 'fingerprints', key], 'must be sha256:<64 hex digits>');
      }
    }
  }
}

function readSteps(steps: unknown, checks: ManifestChecks): void {
  const { fail, expectKeys, expectString } = checks;
  if (!Array.isArray(steps) || steps.length === 0) {
    fail(['steps'], `steps must be a non-empty list (${HINT})`);
    return;
  }
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    const keys = ['id', 'component', 'driver', 'mode', 'needs', 'cfg_path', 'cfg_fp'];
    if (!expectKeys(step, ['steps', i], keys, `steps[${i}]`)) return;
    const id = step.id;
    if ('id' in step && (typeof id !== 'string' || !STEP_ID_PATTERN.test(id))) {
      fail(['steps', i, 'id'], 'must be a step id matching ^[a-z0-9][a-z0-9_-]*$');
    } else if (typeof id === 'string' && id.length > NAME_LIMITS.stepIdBytes) {
      fail(['steps', i, 'id'], `must be at most ${NAME_LIMITS.stepIdBytes} bytes long (got ${id.length})`);
    } else if (typeof id === 'string' && seen.has(id)) {
      fail(['steps', i, 'id'], `duplicate step id '${id}'`);
    }
    expectString(step.component, ['steps', i, 'component']);
    expectString(step.driver, ['steps', i, 'driver']);
    if ('mode' in step && !STEP_MODES.includes(step.mode as StepMode)) {
      fail(['steps', i, 'mode'], `must be one of: ${STEP_MODES.join(', ')}`);
    }
    if ('needs' in step) {
      if (!Array.isArray(step.needs)) fail(['steps', i, 'needs'], 'must be a list of step ids');
      else {
        step.needs.forEach((need: unknown, j: number) => {
          if (typeof need !== 'string' || !seen.has(need)) {
            fail(
              ['steps', i, 'needs', j],
              `must name an earlier step (steps are in execution order; earlier: ${[...seen].join(', ') || 'none'})`,
            );
          }
        });
      }
    }
    if (typeof id === 'string' && 'cfg_path' in step && step.cfg_path !== createCfgPath(id)) {
      fail(
        ['steps', i, 'cfg_path'],
        `must be '${createCfgPath(id)}' (the compiler writes each step's config there)`,
      );
    }
    if ('cfg_fp' in step && (typeof step.cfg_fp !== 'string' || !FINGERPRINT_PATTERN.test(step.cfg_fp))) {
      fail(['steps', i, 'cfg_fp'], 'must be sha256:<64 hex digits>');
    }
    if (typeof id === 'string') seen.add(id);
  });
}
