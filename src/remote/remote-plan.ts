// What a remote run sends: commands.jsonl (file-only, never a secret) and the files uploaded to the sandbox.
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import type {
  DriverTable,
  IncrementalStart,
  ManifestStep,
  PreparedRun,
  RunConnections,
  RuntimeDependency,
} from '../core/index.js';
import {
  OsirisError,
  createConnectionKey,
  encodeInputRefs,
  listStepInputs,
  parseConnectionRef,
} from '../core/index.js';
import { inlineHostFiles } from './inline-host-files.js';
import type { Command, ExecStepCommand, PrepareSecrets } from './protocol.js';
import { PROTOCOL_VERSION } from './protocol.js';
import type { UploadFile } from './transport.js';

/** Name of the artifacts archive inside the sandbox work directory. */
export const ARCHIVE_PATH = 'artifacts.tar';

/** The exec_step command of a step: cfg by path, inputs by upstream step id and key. */
export function createExecCommand(
  step: ManifestStep,
  inputs: Record<string, string>,
  start?: IncrementalStart,
): ExecStepCommand {
  return {
    cmd: 'exec_step',
    step_id: step.id,
    driver: step.driver,
    cfg_path: step.cfg_path,
    inputs: encodeInputRefs(inputs),
    ...(start ? { start } : {}),
  };
}

/**
 * What only the in-memory `prepare` request carries: the run's resolved connections (with the text of the
 * host files they name, which the sandbox lacks) and their resolution errors.
 */
export function createPrepareSecrets(connections: RunConnections): PrepareSecrets {
  return {
    connections: Object.fromEntries(
      [...connections.resolved].map(([key, connection]) => [key, inlineHostFiles(connection)]),
    ),
    connection_errors: Object.fromEntries(connections.errors),
  };
}

/** Runtime dependencies of the components this manifest uses (not of every component), once each. */
export function listManifestDependencies(run: PreparedRun, drivers: DriverTable): RuntimeDependency[] {
  const deps = new Map<string, RuntimeDependency>();
  for (const step of run.manifest.steps) {
    for (const dep of drivers.get(step.driver)?.spec.runtimeDependencies ?? []) deps.set(dep.name, dep);
  }
  return [...deps.values()];
}

/** commands.jsonl: ping, prepare, one exec_step per step, cleanup. */
export function createCommands(run: PreparedRun, drivers: DriverTable, installDeps: boolean): Command[] {
  return [
    { cmd: 'ping', protocol: PROTOCOL_VERSION },
    {
      cmd: 'prepare',
      manifest_path: 'manifest.yaml',
      install_deps: installDeps,
      memory_limit: run.memoryLimit,
      threads: run.threads,
      dependencies: listManifestDependencies(run, drivers),
      ...(run.starts && run.starts.size > 0 ? { starts: Object.fromEntries(run.starts) } : {}),
      ...(run.streams && run.streams.size > 0 ? { streams: Object.fromEntries(run.streams) } : {}),
    },
    ...run.manifest.steps.map((s) => createExecCommand(s, listStepInputs(s))),
    { cmd: 'cleanup', archive_path: ARCHIVE_PATH },
  ];
}

/**
 * The base_dir of a step's `@filesystem.<alias>` connection, project-relative (the sandbox has the
 * project at another place, so an absolute base_dir is refused); undefined without one, or when the
 * connection did not resolve (the step reports that, in the sandbox as locally).
 */
function findStepBaseDir(
  run: PreparedRun,
  step: ManifestStep,
  cfg: Record<string, unknown>,
): string | undefined {
  const ref = parseConnectionRef(cfg['connection']);
  if (ref?.family !== 'filesystem') return undefined;
  const baseDir = run.connections.resolved.get(createConnectionKey(ref.family, ref.alias))?.fields[
    'base_dir'
  ];
  if (typeof baseDir !== 'string') return undefined;
  if (isAbsolute(baseDir)) {
    throw new OsirisError(
      'config_error',
      `remote runs need paths inside the project directory; base_dir '${baseDir}' of @filesystem.${ref.alias} is absolute (use a base_dir relative to the project)`,
      { where: `step ${step.id} config.connection` },
    );
  }
  return baseDir;
}

/**
 * A step's file paths (the spec's pathKeys) as project-relative paths, under the base_dir of its
 * filesystem connection when it has one. A remote run mirrors the project under `project/` in the
 * sandbox, so a path must stay inside it: absolute or `..` paths are refused before anything is created.
 */
function listStepPaths(run: PreparedRun, step: ManifestStep, drivers: DriverTable): string[] {
  const spec = drivers.get(step.driver)?.spec;
  if (!spec || spec.pathKeys.length === 0) return [];
  const cfg = run.stepConfigs.get(step.id)?.config ?? {};
  const baseDir = findStepBaseDir(run, step, cfg);
  // base_dir that is not a directory: the step fails on it, in the sandbox as locally (see markBaseDir)
  if (baseDir !== undefined && !isHostDirectory(run, baseDir)) return [];
  const paths: string[] = [];
  for (const key of spec.pathKeys) {
    const given = cfg[key];
    if (typeof given !== 'string') continue;
    // with a connection, an absolute path is the driver's config_error (the compiler refuses it too)
    if (baseDir !== undefined && isAbsolute(given)) continue;
    const value = baseDir === undefined ? given : join(baseDir, given);
    const clean = normalize(value);
    if (isAbsolute(value) || clean === '..' || clean.startsWith(`..${sep}`)) {
      throw new OsirisError(
        'config_error',
        `remote runs need paths inside the project directory; '${value}' is ${isAbsolute(value) ? 'absolute' : 'outside it'} (use a path relative to the project)`,
        { where: `step ${step.id} config.${key}` },
      );
    }
    checkResolvedInside(run.projectDir, clean, `step ${step.id} config.${key}`);
    paths.push(clean.split(sep).join('/'));
  }
  return paths;
}

/**
 * A path that stays inside the project by its text may still leave it through a symlink (`outlink/x.csv`
 * with `outlink -> /tmp`, an input linked to `/etc/hostname`): resolve the longest existing prefix and
 * refuse what lands outside, so nothing outside the project is uploaded or overwritten by a collect.
 */
function checkResolvedInside(projectDir: string, rel: string, where: string): void {
  const root = realpathSync(projectDir);
  let existing = resolve(projectDir, rel);
  const rest: string[] = [];
  // lstat, not exists: a dangling link counts as present (and is refused when it cannot be resolved)
  while (!lstatSync(existing, { throwIfNoEntry: false }) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  let real: string | undefined;
  try {
    real = join(realpathSync(existing), ...rest);
  } catch {
    // a dangling link: where it would write or read is not known until it exists; refuse it
  }
  if (real !== undefined && (real === root || real.startsWith(root + sep))) return;
  const target = real ?? `${existing} (a dangling link)`;
  throw new OsirisError(
    'config_error',
    `remote runs need paths inside the project directory; '${rel}' resolves to ${target} through a symbolic link (use a path whose directories are inside the project)`,
    { where },
  );
}

/** Check every step's paths up front (config_error before a sandbox exists). */
export function checkRemotePaths(run: PreparedRun, drivers: DriverTable): void {
  for (const step of run.manifest.steps) listStepPaths(run, step, drivers);
}

/** What goes up before the worker starts (its bundle), and what goes up while it boots. */
export interface UploadPlan {
  /** worker/: the bundle, its chunks, bundled.json, package.json. */
  worker: UploadFile[];
  /** manifest.yaml, cfg/ (the host's exact bytes), commands.jsonl, and the input files of read steps. */
  run: UploadFile[];
}

/** The uploads of a run; host files are streamed (`source`), never read whole. */
export function listUploads(
  run: PreparedRun,
  workerDir: string,
  drivers: DriverTable,
  commandsFile: string,
): UploadPlan {
  if (!existsSync(join(workerDir, 'worker-main.mjs'))) {
    throw new OsirisError('internal', `worker bundle missing at ${workerDir} (run npm run build)`);
  }
  const worker: UploadFile[] = readdirSync(workerDir)
    .filter((f) => f.endsWith('.mjs') || f === 'bundled.json')
    .sort()
    .map((f) => ({ path: `worker/${f}`, source: join(workerDir, f) }));
  worker.push({ path: 'worker/package.json', data: '{"type":"module"}\n' });
  const files: UploadFile[] = [
    { path: 'manifest.yaml', data: run.manifestText },
    { path: 'commands.jsonl', source: commandsFile },
  ];
  const inputs = new Set<string>();
  for (const step of run.manifest.steps) {
    files.push({ path: step.cfg_path, data: run.cfgTexts.get(step.id) ?? '' });
    const marker = markBaseDir(run, step, inputs);
    if (marker) files.push(marker);
    if (step.mode !== 'read') continue;
    for (const rel of listStepPaths(run, step, drivers)) {
      const local = join(run.projectDir, rel);
      // a missing input is the extractor's error to report, in the step, exactly as in a local run
      if (!inputs.has(rel) && existsSync(local) && statSync(local).isFile())
        files.push({ path: `project/${rel}`, source: local });
      inputs.add(rel);
    }
  }
  return { worker, run: files };
}

function isHostDirectory(run: PreparedRun, rel: string): boolean {
  return statSync(join(run.projectDir, rel), { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * What the sandbox needs so that a step with a filesystem connection finds base_dir as the host has it
 * (the step checks it is a directory): an empty file inside it when it is one (a writer's base_dir, or
 * a reader's whose input is missing, would otherwise be absent), an empty file in its place when it is
 * something else; nothing when it is missing. Once per base_dir; `seen` holds the paths already planned.
 */
function markBaseDir(run: PreparedRun, step: ManifestStep, seen: Set<string>): UploadFile | undefined {
  const baseDir = findStepBaseDir(run, step, run.stepConfigs.get(step.id)?.config ?? {});
  if (baseDir === undefined) return undefined;
  const clean = normalize(baseDir);
  if (clean === '..' || clean.startsWith(`..${sep}`)) return undefined; // refused by listStepPaths
  const exists = statSync(join(run.projectDir, clean), { throwIfNoEntry: false }) !== undefined;
  if (!exists) return undefined;
  const target = isHostDirectory(run, clean) ? join(clean, '.osiris-base-dir') : clean;
  const rel = target.split(sep).join('/');
  if (seen.has(rel)) return undefined;
  seen.add(rel);
  return { path: `project/${rel}`, data: '' };
}

/** Bytes of an upload list (for the remote.upload_complete event). */
export function sumUploadBytes(files: readonly UploadFile[]): number {
  return files.reduce(
    (n, f) =>
      n +
      ('source' in f
        ? statSync(f.source).size
        : typeof f.data === 'string'
          ? Buffer.byteLength(f.data)
          : f.data.byteLength),
    0,
  );
}
