import { stringify } from 'yaml';
import { sortKeys, writeCanonicalJson } from '../core/canonical-json.js';
import type { ComponentCatalog } from '../core/component-spec.js';
import { createFingerprint } from '../core/fingerprint.js';
import type { Manifest, ManifestFingerprints, ManifestStep, StepConfig } from '../core/manifest.js';

/** What a pipeline id may hold (it names the `build/<pipeline_id>/` directory). */
export const PIPELINE_ID_PATTERN = /^[a-z0-9_-]+$/;

/** Pipeline id from its name: lower-case, runs of characters outside [a-z0-9_-] become one '-'. */
export function createPipelineId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Path of a step's config relative to the manifest. */
export function createCfgPath(stepId: string): string {
  return `cfg/${stepId}.json`;
}

/** The cfg file text for a step: config plus the compiler's meta keys, canonical JSON. */
export function writeCfgText(
  config: StepConfig,
  step: Pick<ManifestStep, 'id' | 'component' | 'mode'>,
): string {
  return writeCanonicalJson({ ...config, _step: step.id, _component: step.component, _mode: step.mode });
}

/** `registry_fp`: the whole catalog (every spec, sorted by name), so any spec change shows. */
export function createRegistryFingerprint(catalog: ComponentCatalog): string {
  const specs = [...catalog.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return createFingerprint(writeCanonicalJson(specs));
}

/**
 * `manifest_fp`: canonical JSON of the manifest with `manifest_fp` left out, then each step's cfg path and text
 * in step order. A runner can recompute it from manifest.yaml and cfg/ to detect edits.
 */
export function createManifestFingerprint(manifest: Manifest, cfgTexts: readonly string[]): string {
  const { manifest_fp: _omitted, ...fingerprints } = manifest.pipeline.fingerprints;
  const body = { ...manifest, pipeline: { ...manifest.pipeline, fingerprints } };
  let text = writeCanonicalJson(body);
  manifest.steps.forEach((step, i) => {
    text += `${step.cfg_path}\n${cfgTexts[i] ?? ''}`;
  });
  return createFingerprint(text);
}

/** manifest.yaml text: keys sorted at every depth, fixed formatting, no timestamp, so equal inputs give equal bytes. */
export function writeManifestText(manifest: Manifest): string {
  return stringify(sortKeys(manifest), { lineWidth: 0, indent: 2, indentSeq: true });
}

/** Inputs of `buildManifest` that come from the compile. */
export interface ManifestParts {
  /** OML version read. */
  omlVersion: string;
  /** Compiler version. */
  compilerVersion: string;
  /** Profile name. */
  profile: string;
  /** Pipeline name as written. */
  name: string;
  /** Steps in execution order with their cfg configs. */
  steps: { step: ManifestStep; config: StepConfig }[];
  /** Fingerprints other than manifest_fp. */
  fingerprints: Omit<ManifestFingerprints, 'manifest_fp'>;
}

/** Assemble the manifest and its cfg texts and seal it with manifest_fp. */
export function buildManifest(parts: ManifestParts): { manifest: Manifest; cfgTexts: string[] } {
  const manifest: Manifest = {
    meta: { oml_version: parts.omlVersion, compiler_version: parts.compilerVersion, profile: parts.profile },
    pipeline: {
      id: createPipelineId(parts.name),
      name: parts.name,
      fingerprints: { ...parts.fingerprints, manifest_fp: '' },
    },
    steps: parts.steps.map((s) => s.step),
  };
  const cfgTexts = parts.steps.map((s) => writeCfgText(s.config, s.step));
  manifest.pipeline.fingerprints.manifest_fp = createManifestFingerprint(manifest, cfgTexts);
  return { manifest, cfgTexts };
}
