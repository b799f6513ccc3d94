import { CompileError } from '../core/errors.js';
import type { Diagnostic } from '../core/errors.js';
import { createFingerprint } from '../core/fingerprint.js';
import type { Manifest } from '../core/manifest.js';
import { createManifestFingerprint, writeManifestText } from './write-manifest.js';

const HINT = 'recompile with `osiris compile`, or restore the file';

/** A compiled plan as read from disk, for `verifyManifest`. */
export interface ManifestOnDisk {
  /** The manifest as parsed by parseManifest. */
  manifest: Manifest;
  /** manifest.yaml exactly as read. */
  manifestText: string;
  /** manifest.yaml's path for messages, as the user gave it. */
  manifestFile: string;
  /** Each step's cfg file as read (bytes or text), by step id. */
  cfgs: ReadonlyMap<string, string | Uint8Array>;
  /** A cfg file's path for messages. */
  describeCfg(cfgPath: string): string;
  /** registry_fp of the catalog that will run the plan; a manifest compiled against other specs is refused. */
  registryFp?: string;
}

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return i + 1;
}

/**
 * Check that a compiled plan is what the compiler wrote, before anything of it runs: `manifest_fp`
 * recomputed from manifest.yaml, manifest.yaml's text byte for byte as the compiler writes it, each
 * cfg's sha256 against the manifest's `cfg_fp`, and (when given) the registry it was compiled against.
 * This detects edits, not forgery: whoever can write the files can also rewrite every fingerprint.
 * Throws CompileError('compile_error') naming each edited file; a run then starts no session.
 */
export function verifyManifest(plan: ManifestOnDisk): void {
  const { manifest, manifestFile } = plan;
  const found: Diagnostic[] = [];
  const recorded = manifest.pipeline.fingerprints.manifest_fp;
  const actual = createManifestFingerprint(manifest);
  if (actual !== recorded) {
    found.push({
      path: manifestFile,
      message: `edited after compile: its content gives manifest_fp ${actual}, but it records ${recorded} (${HINT})`,
    });
  } else {
    const canonical = writeManifestText(manifest);
    if (canonical !== plan.manifestText) {
      const line = firstDifferentLine(canonical, plan.manifestText);
      found.push({
        path: manifestFile,
        message: `edited after compile: its text differs from what the compiler wrote from line ${line} on (${HINT})`,
      });
    }
  }
  if (plan.registryFp !== undefined && plan.registryFp !== manifest.pipeline.fingerprints.registry_fp) {
    found.push({
      path: manifestFile,
      message: `compiled against other component specs (registry_fp ${manifest.pipeline.fingerprints.registry_fp}, this osiris has ${plan.registryFp}): recompile with \`osiris compile\``,
    });
  }
  for (const step of manifest.steps) {
    const cfg = plan.cfgs.get(step.id);
    if (cfg === undefined) continue;
    const sha = createFingerprint(cfg);
    if (sha !== step.cfg_fp) {
      found.push({
        path: plan.describeCfg(step.cfg_path),
        message: `edited after compile: its sha256 is ${sha}, but the manifest records cfg_fp ${step.cfg_fp} for step '${step.id}' (${HINT})`,
      });
    }
  }
  if (found.length > 0) throw new CompileError('compile_error', found);
}
