/** The three step modes of OML. */
export const STEP_MODES = ['read', 'transform', 'write'] as const;
export type StepMode = (typeof STEP_MODES)[number];

/** The OML version this compiler reads. */
export const OML_VERSION = '0.1.0';

/** One step of a compiled plan, in execution order. */
export interface ManifestStep {
  /** Unique step id from the OML. */
  id: string;
  /** Component name, e.g. `mysql.extractor`. */
  component: string;
  /** Driver that executes it (same name as the component). */
  driver: string;
  /** read | transform | write. */
  mode: StepMode;
  /** Ids of the steps whose outputs this step reads. */
  needs: string[];
  /** Path of the step's config relative to the manifest: `cfg/<id>.json`. */
  cfg_path: string;
  /** `sha256:<hex>` of that cfg file's bytes: a run refuses a cfg edited after compile. */
  cfg_fp: string;
}

/** Fingerprints of everything that went into a manifest (`sha256:<hex>`). */
export interface ManifestFingerprints {
  /** Of the OML text. */
  oml_fp: string;
  /** Of the resolved params. */
  params_fp: string;
  /** Of the compiler version. */
  compiler_fp: string;
  /** Of the component registry (specs) used. */
  registry_fp: string;
  /** Of the manifest without manifest_fp (which records every cfg's `cfg_fp`). */
  manifest_fp: string;
}

/** The compiled plan (`manifest.yaml`). No secrets, no clock, no absolute paths. */
export interface Manifest {
  /** Versions and profile. */
  meta: { oml_version: string; compiler_version: string; profile: string };
  /** Pipeline identity, fingerprints, and the OML's own description and metadata (for people and tools; no step reads them). */
  pipeline: {
    id: string;
    name: string;
    fingerprints: ManifestFingerprints;
    description?: string;
    metadata?: Record<string, unknown>;
  };
  /** Steps in execution order. */
  steps: ManifestStep[];
}

/** A step config as stored in `cfg/<id>.json`: defaults filled in, connection kept as `@family.alias`. */
export type StepConfig = Record<string, unknown>;

/** Keys the compiler may add to a cfg that are not driver config (stripped before the driver runs). */
export const CFG_META_KEYS = ['_step', '_component', '_mode'] as const;
