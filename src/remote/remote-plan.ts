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
import { OsirisError, encodeInputRefs, listStepInputs } from '../core/index.js';
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
    },
    ...run.manifest.steps.map((s) => createExecCommand(s, listStepInputs(s))),
    { cmd: 'cleanup', archive_path: ARCHIVE_PATH },
  ];
}

/**
 * A step's file paths (the spec's pathKeys) as project-relative paths. A remote run mirrors the project
 * under `project/` in the sandbox, so a path must stay inside it: absolute or `..` paths are refused
 * before anything is created.
 */
function listStepPaths(run: PreparedRun, step: ManifestStep, drivers: DriverTable): string[] {
  const spec = drivers.get(step.driver)?.spec;
  if (!spec || spec.pathKeys.length === 0) return [];
  const cfg = run.stepConfigs.get(step.id)?.config ?? {};
  const paths: string[] = [];
  for (const key of spec.pathKeys) {
    const value = cfg[key];
    if (typeof value !== 'string') continue;
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
