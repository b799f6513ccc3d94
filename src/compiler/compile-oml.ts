import { writeCanonicalJson } from '../core/canonical-json.js';
import type { ComponentCatalog } from '../core/component-spec.js';
import { CompileError } from '../core/errors.js';
import type { Diagnostic } from '../core/errors.js';
import { createFingerprint } from '../core/fingerprint.js';
import { OML_VERSION } from '../core/manifest.js';
import type { Manifest, ManifestStep, StepConfig } from '../core/manifest.js';
import { checkIncrementalSteps } from './check-incremental-steps.js';
import { checkFileTargets } from './check-file-targets.js';
import { createDiagnosticSink } from './diagnostic-sink.js';
import type { DiagnosticSink } from './diagnostic-sink.js';
import { decodeOmlBytes } from './decode-oml-bytes.js';
import { NAME_LIMITS } from './name-limits.js';
import { orderSteps } from './order-steps.js';
import { parseYamlSource } from './parse-oml.js';
import type { YamlSource } from './parse-oml.js';
import { readOmlShape } from './read-oml-shape.js';
import type { OmlStep } from './read-oml-shape.js';
import { listParamReferences, PARAM_ENV_PREFIX, resolveParams } from './resolve-params.js';
import type { ParamValue } from './resolve-params.js';
import { validateStepConfig } from './validate-step-config.js';
import {
  buildManifest,
  createCfgPath,
  createPipelineId,
  createRegistryFingerprint,
  writeManifestText,
} from './write-manifest.js';

/** What validation needs: everything comes from the caller (the compiler reads no file, env or clock). */
export interface ValidateInput {
  /** OML text, or the file's bytes (then checked to be UTF-8: see decode-oml-bytes.ts). */
  text: string | Uint8Array;
  /** Path for messages, as the user typed it. */
  file: string;
  /** Component specs by name. */
  catalog: ComponentCatalog;
  /** `--param NAME=VALUE` pairs. */
  cliParams: Record<string, string>;
  /** Environment, read only for `OSIRIS_PARAM_<NAME>`. */
  env: Record<string, string | undefined>;
  /** Profile recorded in the manifest (default `default`); validation ignores it. */
  profile?: string;
  /** Compiler version recorded in the manifest and fingerprinted; validation ignores it. */
  compilerVersion?: string;
}

/** What compilation needs: the same as validation, with the compiler version required. */
export interface CompileInput extends ValidateInput {
  /** Compiler version recorded in the manifest and fingerprinted. */
  compilerVersion: string;
}

/** One cfg file. */
export interface CompiledCfg {
  /** Path relative to the manifest directory: `cfg/<id>.json`. */
  path: string;
  /** Canonical JSON text to write. */
  text: string;
  /** The same config as a value. */
  config: StepConfig;
}

/** A compiled pipeline, ready to be written to `build/<pipelineId>/<manifestShort>/`. */
export interface CompileOutput {
  /** The manifest. */
  manifest: Manifest;
  /** manifest.yaml text (canonical). */
  manifestText: string;
  /** cfg files by step id, in execution order. */
  cfgs: Map<string, CompiledCfg>;
  /** Pipeline id (slug of the name). */
  pipelineId: string;
  /** First 12 hex digits of manifest_fp. */
  manifestShort: string;
  /** Resolved params (name -> value). */
  params: Record<string, ParamValue>;
}

interface CheckedPipeline {
  name: string;
  description?: string;
  metadata?: Record<string, unknown>;
  params: Record<string, ParamValue>;
  steps: { step: Omit<ManifestStep, 'cfg_fp'>; config: StepConfig }[];
}

// Every check runs even after a failure elsewhere so that one compile reports every problem it can see.
function checkPipeline(input: ValidateInput, sink: DiagnosticSink): CheckedPipeline | undefined {
  const text =
    typeof input.text === 'string'
      ? input.text.replace(/^\uFEFF/, '')
      : decodeOmlBytes(input.text, input.file, sink);
  if (text === undefined) return undefined;
  const source = parseYamlSource(text, input.file, sink);
  if (!source) return undefined;
  const doc = readOmlShape(source, input.catalog, sink);
  if (doc.name !== undefined) checkPipelineId(doc.name, source, sink);
  const table = resolveParams(doc.params, input.cliParams, input.env, source, sink);
  const configs = new Map<number, StepConfig | undefined>();
  const referenced = new Set<string>();
  for (const step of doc.steps) {
    listParamReferences(step.config, referenced);
    configs.set(step.index, validateStepConfig(step, input.catalog, table, source, sink));
  }
  for (const name of table.unresolved) {
    if (referenced.has(name)) continue;
    const message = `unresolved param '${name}' (it has no default: pass --param ${name}=VALUE or set ${PARAM_ENV_PREFIX}${name.toUpperCase()})`;
    sink.error(`params.${name}`, message, source.locate(['params', name], 'key'));
  }
  const { order, needs } = orderSteps(forgetRefusedModes(doc.steps, input.catalog), source, sink);
  checkIncrementalSteps(order, needs, input.catalog, source, sink);
  checkFileTargets(doc.steps, configs, input.catalog, source, sink);
  if (doc.name === undefined || sink.list().length > 0) return undefined;
  return {
    name: doc.name,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(doc.metadata === undefined ? {} : { metadata: doc.metadata }),
    params: Object.fromEntries(table.values),
    steps: order.map((s) => {
      const id = s.id as string;
      const step: Omit<ManifestStep, 'cfg_fp'> = {
        id,
        component: s.component as string,
        driver: s.component as string,
        mode: s.mode as ManifestStep['mode'],
        needs: needs.get(id) ?? [],
        cfg_path: createCfgPath(id),
      };
      return { step, config: configs.get(s.index) as StepConfig };
    }),
  };
}

// A mode the component refuses was reported at the step; ordering must not judge inputs by it too
// ("a write step needs an input" for an extractor marked write would blame the wrong thing).
function forgetRefusedModes(steps: readonly OmlStep[], catalog: ComponentCatalog): OmlStep[] {
  return steps.map((step) => {
    const spec = step.component === undefined ? undefined : catalog.get(step.component);
    const refused = spec !== undefined && step.mode !== undefined && !spec.modes.includes(step.mode);
    return refused ? { ...step, mode: undefined } : step;
  });
}

// The pipeline id names build/<id>/: it must be non-empty and fit a file name (NAME_LIMITS).
function checkPipelineId(name: string, source: YamlSource, sink: DiagnosticSink): void {
  const id = createPipelineId(name);
  if (id === '') {
    sink.invalid(
      'name',
      `name '${name}' gives an empty pipeline id (use at least one letter or digit)`,
      source.locate(['name']),
    );
  } else if (id.length > NAME_LIMITS.pipelineIdBytes) {
    sink.invalid(
      'name',
      `name gives a pipeline id of ${id.length} bytes ('${id.slice(0, 20)}...'), at most ${NAME_LIMITS.pipelineIdBytes} (it names the build/<pipeline_id>/ directory): use a shorter name`,
      source.locate(['name']),
    );
  }
}

/** Every finding of the OML checks (YAML, shape, params, components, configs, secrets, needs, cycles); empty when it compiles. */
export function validateOml(input: ValidateInput): Diagnostic[] {
  const sink = createDiagnosticSink();
  checkPipeline(input, sink);
  return sink.list();
}

/**
 * Compile OML into a manifest and cfg texts. Pure: same input, same bytes.
 * Throws CompileError('oml_invalid') for YAML/structure problems, CompileError('compile_error') otherwise, with every diagnostic.
 */
export function compileOml(input: CompileInput): CompileOutput {
  const sink = createDiagnosticSink();
  const checked = checkPipeline(input, sink);
  const diagnostics = sink.list();
  if (!checked || diagnostics.length > 0) {
    throw new CompileError(sink.hasInvalid() ? 'oml_invalid' : 'compile_error', diagnostics);
  }
  const { manifest, cfgTexts } = buildManifest({
    omlVersion: OML_VERSION,
    compilerVersion: input.compilerVersion,
    profile: input.profile === undefined || input.profile === '' ? 'default' : input.profile,
    name: checked.name,
    ...(checked.description === undefined ? {} : { description: checked.description }),
    ...(checked.metadata === undefined ? {} : { metadata: checked.metadata }),
    steps: checked.steps,
    fingerprints: {
      oml_fp: createFingerprint(input.text),
      params_fp: createFingerprint(writeCanonicalJson(checked.params)),
      compiler_fp: createFingerprint(input.compilerVersion),
      registry_fp: createRegistryFingerprint(input.catalog),
    },
  });
  const cfgs = new Map<string, CompiledCfg>();
  checked.steps.forEach(({ step }, i) => {
    const text = cfgTexts[i] as string;
    cfgs.set(step.id, { path: step.cfg_path, text, config: JSON.parse(text) as StepConfig });
  });
  return {
    manifest,
    manifestText: writeManifestText(manifest),
    cfgs,
    pipelineId: manifest.pipeline.id,
    manifestShort: manifest.pipeline.fingerprints.manifest_fp.slice('sha256:'.length, 'sha256:'.length + 12),
    params: checked.params,
  };
}
