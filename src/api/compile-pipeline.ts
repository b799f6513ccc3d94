import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { compileOml } from '../compiler/index.js';
import type { ComponentCatalog, DriverTable } from '../core/index.js';
import { OSIRIS_VERSION, OsirisError, writeCanonicalJson } from '../core/index.js';
import { findProjectDir } from './find-project-dir.js';
import { writeFileAtomic } from './write-file-atomic.js';

export interface CompilePipelineOptions {
  /** OML file. */
  file: string;
  /** `--param k=v` values. */
  params: Record<string, string>;
  /** Profile name. */
  profile: string;
  /** Build root (default `<cwd>/build`). */
  outDir?: string;
  /** Current directory (build/ and .osiris/ live here). */
  cwd: string;
  /** Environment (OSIRIS_PARAM_*). */
  env: Record<string, string | undefined>;
  /** Bound drivers (their specs are the catalog). */
  drivers: DriverTable;
  /**
   * Write `.osiris/last_compile.json` (default true). `osiris run FILE` passes false: the pointer is what
   * `osiris compile` made, so `run --last-compile` runs the last compile, not the last run.
   */
  recordLastCompile?: boolean;
}

/** A compiled pipeline as written to disk. */
export interface CompiledPipeline {
  /** Absolute directory of manifest.yaml. */
  buildDir: string;
  /** Project directory of the OML file. */
  projectDir: string;
  /** Manifest text. */
  manifestText: string;
  /** Parsed manifest. */
  manifest: ReturnType<typeof compileOml>['manifest'];
  /** cfg texts by step id. */
  cfgTexts: Map<string, string>;
}

/** Pointer written to `.osiris/last_compile.json` for `run --last-compile`. */
export interface LastCompile {
  /** Absolute manifest path. */
  manifest_path: string;
  /** Absolute project directory. */
  project_dir: string;
  /** Absolute OML path. */
  oml_path: string;
  /** Manifest fingerprint. */
  manifest_fp: string;
}

/** Specs of the bound drivers as the compiler's catalog. */
export function createCatalog(drivers: DriverTable): ComponentCatalog {
  return new Map([...drivers].map(([name, module]) => [name, module.spec]));
}

/** Read, compile and write `build/<pipeline>/<short>/` plus (unless told not to) `.osiris/last_compile.json`. */
export function compilePipeline(options: CompilePipelineOptions): CompiledPipeline {
  const file = resolve(options.cwd, options.file);
  let text: Uint8Array;
  try {
    // Bytes, not text: the compiler names a wrong encoding and the offset of the first bad byte.
    text = readFileSync(file);
  } catch (error) {
    throw new OsirisError(
      'usage',
      `cannot read pipeline file ${options.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const out = compileOml({
    text,
    file: options.file,
    catalog: createCatalog(options.drivers),
    cliParams: options.params,
    env: options.env,
    profile: options.profile,
    compilerVersion: OSIRIS_VERSION,
  });
  const buildDir = join(resolve(options.cwd, options.outDir ?? 'build'), out.pipelineId, out.manifestShort);
  mkdirSync(join(buildDir, 'cfg'), { recursive: true });
  const cfgTexts = new Map<string, string>();
  // The cfgs before the manifest that names them; each file whole or not at all (writeFileAtomic).
  for (const [id, cfg] of out.cfgs) {
    writeFileAtomic(join(buildDir, cfg.path), cfg.text);
    cfgTexts.set(id, cfg.text);
  }
  writeFileAtomic(join(buildDir, 'manifest.yaml'), out.manifestText);
  const projectDir = findProjectDir(file);
  const compiled = { buildDir, projectDir, manifestText: out.manifestText, manifest: out.manifest, cfgTexts };
  if (options.recordLastCompile === false) return compiled;
  const pointer: LastCompile = {
    manifest_path: join(buildDir, 'manifest.yaml'),
    project_dir: projectDir,
    oml_path: file,
    manifest_fp: out.manifest.pipeline.fingerprints.manifest_fp,
  };
  mkdirSync(join(options.cwd, '.osiris'), { recursive: true });
  writeFileAtomic(join(options.cwd, '.osiris', 'last_compile.json'), writeCanonicalJson(pointer));
  return compiled;
}

/** Path of the build dir relative to cwd, for messages. */
export function describeBuildDir(compiled: CompiledPipeline, cwd: string): string {
  return relative(cwd, compiled.buildDir) || '.';
}
