import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseManifest } from '../compiler/index.js';
import { OsirisError } from '../core/index.js';
import type { CompiledPipeline, LastCompile } from './compile-pipeline.js';
import { findMarkedProjectDir } from './find-project-dir.js';

function readLastCompile(cwd: string): LastCompile | undefined {
  const path = join(cwd, '.osiris', 'last_compile.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as LastCompile;
}

/** Load a manifest and its cfg files as they are (no recompilation). */
export function loadManifestPlan(manifestFile: string, cwd: string): CompiledPipeline {
  const path = resolve(cwd, manifestFile);
  let manifestText: string;
  try {
    manifestText = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OsirisError(
      'usage',
      `cannot read manifest ${manifestFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const manifest = parseManifest(manifestText, manifestFile);
  const buildDir = dirname(path);
  const cfgTexts = new Map<string, string>();
  for (const step of manifest.steps) {
    const cfgPath = join(buildDir, step.cfg_path);
    if (!existsSync(cfgPath)) {
      throw new OsirisError(
        'usage',
        `manifest ${manifestFile}: step ${step.id} needs ${step.cfg_path}, which does not exist`,
      );
    }
    cfgTexts.set(step.id, readFileSync(cfgPath, 'utf8'));
  }
  const last = readLastCompile(cwd);
  const projectDir =
    findMarkedProjectDir(buildDir) ??
    (last && resolve(last.manifest_path) === path ? last.project_dir : undefined);
  if (!projectDir) {
    throw new OsirisError(
      'usage',
      `cannot tell the project directory of ${manifestFile}: put an osiris.yaml in the project root, or run the OML file instead`,
    );
  }
  return { buildDir, projectDir, manifestText, manifest, cfgTexts };
}

/** The manifest of the last `osiris compile` in this directory. */
export function loadLastCompile(cwd: string): CompiledPipeline {
  const last = readLastCompile(cwd);
  if (!last)
    throw new OsirisError(
      'usage',
      `no previous compile in ${cwd} (.osiris/last_compile.json is missing); run 'osiris compile FILE' first`,
    );
  const plan = loadManifestPlan(last.manifest_path, cwd);
  return { ...plan, projectDir: last.project_dir };
}
