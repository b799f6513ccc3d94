import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRegistryFingerprint, parseManifest, verifyManifest } from '../compiler/index.js';
import type { DriverTable } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import type { CompiledPipeline, LastCompile } from './compile-pipeline.js';
import { createCatalog } from './compile-pipeline.js';
import { resolveProject } from './resolve-project.js';

const POINTER = join('.osiris', 'last_compile.json');

/** What loading a compiled plan needs. */
export interface LoadPlanInput {
  /** Current directory: resolves the manifest path; the project root when no osiris.yaml is found. */
  cwd: string;
  /** `--project-dir`: the project root, instead of the osiris.yaml search. */
  projectDir?: string;
  /** Bound drivers (their registry fingerprint must match the manifest's). */
  drivers: DriverTable;
}

function readLastCompile(root: string): LastCompile | undefined {
  const path = join(root, POINTER);
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LastCompile> | null;
    if (value && typeof value.manifest_path === 'string' && typeof value.project_dir === 'string')
      return value as LastCompile;
  } catch {
    // reported below, like a pointer of the wrong shape
  }
  throw new OsirisError(
    'usage',
    `${path} is not a compile pointer (expected JSON with manifest_path and project_dir); run 'osiris compile FILE' again`,
  );
}

function readFileOrRefuse(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new OsirisError(
      'usage',
      `cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/**
 * Load a manifest and its cfg files as they are (no recompilation), after checking they are what the
 * compiler wrote (verifyManifest: manifest_fp, each cfg's sha256, the registry of `drivers`). An edited
 * file is refused with `compile_error` (exit 2) before a session exists.
 */
export function loadManifestPlan(manifestFile: string, input: LoadPlanInput): CompiledPipeline {
  const { cwd } = input;
  const path = resolve(cwd, manifestFile);
  const manifestText = readFileOrRefuse(path, `manifest ${manifestFile}`).toString('utf8');
  const manifest = parseManifest(manifestText, manifestFile);
  const buildDir = dirname(path);
  const cfgs = new Map<string, Buffer>();
  for (const step of manifest.steps) {
    const cfgPath = join(buildDir, step.cfg_path);
    if (!existsSync(cfgPath)) {
      throw new OsirisError(
        'usage',
        `manifest ${manifestFile}: step ${step.id} needs ${step.cfg_path}, which does not exist`,
      );
    }
    cfgs.set(step.id, readFileOrRefuse(cfgPath, step.cfg_path));
  }
  verifyManifest({
    manifest,
    manifestText,
    manifestFile,
    cfgs,
    describeCfg: (cfgPath) => relative(cwd, join(buildDir, cfgPath)) || cfgPath,
    registryFp: createRegistryFingerprint(createCatalog(input.drivers)),
  });
  const cfgTexts = new Map([...cfgs].map(([id, bytes]) => [id, bytes.toString('utf8')]));
  const project = resolveProject({
    cwd,
    file: path,
    ...(input.projectDir === undefined ? {} : { projectDir: input.projectDir }),
  });
  // Outside a project only the compile pointer knows which directory the pipeline's data paths meant.
  const last = project.marked ? undefined : readLastCompile(project.root);
  const projectDir = project.marked
    ? project.dataDir
    : last && resolve(last.manifest_path) === path
      ? last.project_dir
      : undefined;
  if (!projectDir) {
    throw new OsirisError(
      'usage',
      `cannot tell the project directory of ${manifestFile}: put an osiris.yaml in the project root, pass --project-dir, or run the OML file instead`,
    );
  }
  return { buildDir, projectDir, projectRoot: project.root, manifestText, manifest, cfgTexts };
}

/** The manifest of the last `osiris compile` in this project, checked as loadManifestPlan does. */
export function loadLastCompile(input: LoadPlanInput): CompiledPipeline {
  const project = resolveProject(input);
  const last = readLastCompile(project.root);
  if (!last)
    throw new OsirisError(
      'usage',
      `no previous compile in ${project.root} (.osiris/last_compile.json is missing); run 'osiris compile FILE' first`,
    );
  const plan = loadManifestPlan(last.manifest_path, input);
  const fp = plan.manifest.pipeline.fingerprints.manifest_fp;
  // The pointer records the manifest_fp it was written for: a manifest rewritten since (fingerprints and all) shows here.
  if (typeof last.manifest_fp === 'string' && last.manifest_fp !== fp) {
    throw new OsirisError(
      'compile_error',
      `${relative(input.cwd, last.manifest_path) || last.manifest_path}: changed after compile: ${POINTER} records manifest_fp ${last.manifest_fp}, the manifest holds ${fp} (recompile with \`osiris compile\`)`,
    );
  }
  return { ...plan, projectDir: last.project_dir, projectRoot: project.root };
}
