import { join, resolve } from 'node:path';
import { compileOml } from '../compiler/index.js';
import type { CompileOutput } from '../compiler/index.js';
import type { ComponentCatalog, DriverTable } from '../core/index.js';
import { makeDirectory, OSIRIS_VERSION, OsirisError, writeCanonicalJson } from '../core/index.js';
import { resolveProject } from './resolve-project.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { readPipelineFile } from './read-pipeline-file.js';
import { checkProjectTargets } from './check-project-targets.js';

export interface CompilePipelineOptions {
  /** OML file (absolute, or relative to `cwd`). */
  file: string;
  /** `--param k=v` values. */
  params: Record<string, string>;
  /** Profile name. */
  profile: string;
  /** Build root (absolute, or relative to the project root; default `<project root>/build`). */
  outDir?: string;
  /** Current directory: resolves `file`; the project root when no osiris.yaml is found (see resolveProject). */
  cwd: string;
  /** `--project-dir`: the project root, instead of the osiris.yaml search. */
  projectDir?: string;
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
  /** Relative data paths of the pipeline resolve here (Project.dataDir). */
  projectDir: string;
  /** Anchors logs/, .osiris/, .env and the default connections file (Project.root). */
  projectRoot: string;
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

/** Run `write`; a filesystem failure becomes io_error naming `what` (never `internal`: a path is user input). */
function writeFilesOrFail(what: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (error instanceof OsirisError) throw error;
    throw new OsirisError('io_error', `cannot write ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Write the cfgs, then the manifest that names them, each file whole or not at all (writeFileAtomic). */
function writeBuildFiles(buildDir: string, out: CompileOutput): Map<string, string> {
  const cfgTexts = new Map<string, string>();
  writeFilesOrFail(`the build directory ${buildDir}`, () => {
    makeDirectory(join(buildDir, 'cfg'));
    for (const [id, cfg] of out.cfgs) {
      writeFileAtomic(join(buildDir, cfg.path), cfg.text);
      cfgTexts.set(id, cfg.text);
    }
    writeFileAtomic(join(buildDir, 'manifest.yaml'), out.manifestText);
  });
  return cfgTexts;
}

/** Read, compile and write `build/<pipeline>/<short>/` plus (unless told not to) `.osiris/last_compile.json`. */
export function compilePipeline(options: CompilePipelineOptions): CompiledPipeline {
  const file = resolve(options.cwd, options.file);
  const text = readPipelineFile(file, options.file);
  const out = compileOml({
    text,
    file: options.file,
    catalog: createCatalog(options.drivers),
    cliParams: options.params,
    env: options.env,
    profile: options.profile,
    compilerVersion: OSIRIS_VERSION,
  });
  const project = resolveProject({
    cwd: options.cwd,
    file,
    ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
  });
  const buildRoot = resolve(project.root, options.outDir ?? 'build');
  checkProjectTargets(out, options.drivers, project, { pipelineFile: file, buildRoot });
  const buildDir = join(buildRoot, out.pipelineId, out.manifestShort);
  const cfgTexts = writeBuildFiles(buildDir, out);
  const projectDir = project.dataDir;
  const compiled = {
    buildDir,
    projectDir,
    projectRoot: project.root,
    manifestText: out.manifestText,
    manifest: out.manifest,
    cfgTexts,
  };
  if (options.recordLastCompile === false) return compiled;
  const pointer: LastCompile = {
    manifest_path: join(buildDir, 'manifest.yaml'),
    project_dir: projectDir,
    oml_path: file,
    manifest_fp: out.manifest.pipeline.fingerprints.manifest_fp,
  };
  const osirisDir = join(project.root, '.osiris');
  writeFilesOrFail(`the last-compile pointer in ${osirisDir}`, () => {
    makeDirectory(osirisDir);
    writeFileAtomic(join(osirisDir, 'last_compile.json'), writeCanonicalJson(pointer));
  });
  return compiled;
}
