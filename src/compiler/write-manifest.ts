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
 * `manifest_fp`: canonical JSON of the manifest with `manifest_fp` left out. Each step records its cfg's
 * `cfg_fp`, so the fingerprint covers every cfg too; a runner recomputes both to refuse edits.
 */
export function createManifestFingerprint(manifest: Manifest): string {
  const { manifest_fp: _omitted, ...fingerprints } = manifest.pipeline.fingerprints;
  return createFingerprint(
    writeCanonicalJson({ ...manifest, pipeline: { ...manifest.pipeline, fingerprints } }),
  );
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
  /** Steps in execution order with their cfg configs (`cfg_fp` is computed here). */
  steps: { step: Omit<ManifestStep, 'cfg_fp'>; config: StepConfig }[];
  /** Fingerprints other than manifest_fp. */
  fingerprints: Omit<ManifestFingerprints, 'manifest_fp'>;
  /** The OML's top-level description, when it has one. */
  description?: string;
  /** The OML's top-level metadata, when it has some. */
  metadata?: Record<string, unknown>;
}

/** Assemble the manifest and its cfg texts and seal it with manifest_fp. */
export function buildManifest(parts: ManifestParts): { manifest: Manifest; cfgTexts: string[] } {
  const manifest: Manifest = {
    meta: { oml_version: parts.omlVersion, compiler_version: parts.compilerVersion, profile: parts.profile },
    pipeline: {
      id: createPipelineId(parts.name),
      name: parts.name,
      fingerprints: { ...parts.fingerprints, manifest_fp: '' },
      // only when written, so a manifest of OML without them is byte for byte what it always was
      ...(parts.description === undefined ? {} : { description: parts.description }),
      ...(parts.metadata === undefined ? {} : { metadata: parts.metadata }),
    },
    steps: [],
  };
  const cfgTexts = parts.steps.map((s) => writeCfgText(s.config, s.step));
  manifest.steps = parts.steps.map((s, i) => ({
    ...s.step,
    cfg_fp: createFingerprint(cfgTexts[i] as string),
  }));
  manifest.pipeline.fingerprints.manifest_fp = createManifestFingerprint(manifest);
  return { manifest, cfgTexts };
}
