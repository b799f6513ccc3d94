import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type {
  ConnectionLookup,
  DataPlane,
  DriverTable,
  EventSink,
  Manifest,
  StepLogger,
} from '../core/index.js';
import { METRICS, OsirisError, createConnectionKey, createMasker } from '../core/index.js';
// not runtime/index.js: it re-exports the local adapter, whose static DuckDB import must stay out of the
// worker's entry chunk (DuckDB loads only after the dependency check)
import { executeStep } from '../runtime/execute-step.js';
import { registerDrivers } from '../runtime/register-drivers.js';
import { checkDependencies } from './check-dependencies.js';
import type { PrepareSecrets, Request, ResultMap } from './protocol.js';
import { writeArtifactsArchive } from './artifacts-archive.js';
import { resolveWorkPath } from './resolve-work-path.js';

/** How the worker reaches the outside: notifications to the host, and lazily loaded heavy parts. */
export interface WorkerEnvironment {
  /** Sandbox work directory (holds manifest.yaml, cfg/, artifacts/, project/). */
  root: string;
  /** Parse manifest.yaml (the compiler's parser, bound by the worker entry). */
  parseManifest(text: string, file: string): Manifest;
  /** Packages bundled into the worker (always present). */
  bundled: ReadonlySet<string>;
  /** Send a notification line to the host. */
  notify(line: Record<string, unknown>): void;
  /** Load the driver table (a separate chunk, so client libraries load only after the dependency check). */
  loadDrivers(): Promise<DriverTable>;
  /** Create the data plane. */
  createDataPlane(options: {
    workDir: string;
    memoryLimit: string;
    threads: number;
    /** Directories a step's SQL may touch (the sandbox work directory). */
    confineTo: readonly string[];
  }): Promise<DataPlane & { close(): Promise<void> }>;
}

const run = promisify(execFile);

/** Handles one request at a time; state lives between prepare and cleanup. */
export function createWorkerSession(env: WorkerEnvironment) {
  let manifest: Manifest | undefined;
  let drivers: DriverTable | undefined;
  let dataPlane: (DataPlane & { close(): Promise<void> }) | undefined;
  let mask: (t: string) => string = (t) => t;
  let connections: ConnectionLookup = () => {
    throw new OsirisError('internal', 'worker not prepared');
  };
  const outputFiles = new Set<string>();
  const projectDir = join(env.root, 'project');
  const workDir = join(env.root, '.work');

  const sink: EventSink = {
    event: (name, fields = {}) =>
      env.notify({ type: 'event', line: { ts: new Date().toISOString(), event: name, ...fields } }),
    metric: (name, value, o = {}) =>
      env.notify({
        type: 'metric',
        line: {
          ts: new Date().toISOString(),
          metric: name,
          value,
          unit: o.unit ?? METRICS[name].unit,
          ...(o.step_id !== undefined ? { step_id: o.step_id } : {}),
          ...(o.tags ? { tags: o.tags } : {}),
        },
      }),
  };
  const log: StepLogger = {
    info: (m) => env.notify({ type: 'log', level: 'info', message: mask(m) }),
    warn: (m) => env.notify({ type: 'log', level: 'warn', message: mask(m) }),
    debug: (m) => env.notify({ type: 'log', level: 'debug', message: mask(m) }),
  };

  async function prepare(req: Extract<Request, { cmd: 'prepare' }>): Promise<ResultMap['prepare']> {
    if (manifest) throw new OsirisError('protocol_error', 'prepare was already done for this worker');
    const manifestFile = resolveWorkPath(env.root, req.manifest_path, 'prepare.manifest_path', 'read');
    manifest = env.parseManifest(readFileSync(manifestFile, 'utf8'), req.manifest_path);
    const secrets = req.secrets ?? { connections: {}, connection_errors: {} };
    mask = createMasker(Object.values(secrets.connections).flatMap((c) => c.secrets));
    connections = createSecretLookup(secrets);
    let report = checkDependencies(req.dependencies, env.root, env.bundled);
    sink.event('dependency_check', { missing: report.missing, present: report.present });
    if (report.missing.length > 0 && req.install_deps) {
      const started = performance.now();
      const wanted = report.missing;
      await installPackages(env.root, wanted);
      report = checkDependencies(req.dependencies, env.root, env.bundled);
      sink.event('dependency_installed', {
        packages: wanted,
        duration_ms: Math.round(performance.now() - started),
      });
    }
    if (report.missing.length > 0) {
      throw new OsirisError(
        'dependency_missing',
        `the sandbox lacks ${report.missing.join(', ')} (needed by the components of this pipeline); use a template with them installed, or run with --e2b-install-deps (OSIRIS_E2B_INSTALL_DEPS=1)`,
      );
    }
    drivers = await env.loadDrivers();
    const used = registerDrivers(manifest, drivers, sink);
    mkdirSync(projectDir, { recursive: true });
    // SQL in the sandbox reads and writes only inside the sandbox work directory (symlinks resolved).
    dataPlane = await env.createDataPlane({
      workDir,
      memoryLimit: req.memory_limit,
      threads: req.threads,
      confineTo: [realpathSync(env.root)],
    });
    return { drivers: used };
  }

  async function execStep(
    req: Extract<Request, { cmd: 'exec_step' }>,
    signal: AbortSignal,
  ): Promise<ResultMap['exec_step']> {
    const step = manifest?.steps.find((s) => s.id === req.step_id);
    if (!manifest || !drivers || !dataPlane || !step)
      throw new OsirisError('protocol_error', `exec_step ${req.step_id} before prepare or unknown step`);
    const cfgFile = resolveWorkPath(env.root, req.cfg_path, 'exec_step.cfg_path', 'read');
    const inputs = Object.fromEntries(Object.entries(req.inputs).map(([name, ref]) => [name, ref.from_step]));
    const outcome = await executeStep({
      step,
      cfgText: readFileSync(cfgFile, 'utf8'),
      inputs,
      drivers,
      connections,
      dataPlane,
      sink,
      log,
      sessionDir: env.root,
      projectDir,
      workDir,
      signal,
      mask,
    });
    // output files travel back relative to the project directory, landing where a local run puts them
    const files = outcome.outputFiles.map((f) => relative(projectDir, f).split('\\').join('/'));
    for (const f of files) outputFiles.add(f);
    return { ...outcome, outputFiles: files };
  }

  async function cleanup(req: Extract<Request, { cmd: 'cleanup' }>): Promise<ResultMap['cleanup']> {
    const archive = resolveWorkPath(env.root, req.archive_path, 'cleanup.archive_path', 'write');
    await dataPlane?.close();
    dataPlane = undefined;
    const stats = await writeArtifactsArchive(env.root, [...outputFiles], archive);
    return { archive_path: req.archive_path, ...stats };
  }

  return { prepare, execStep, cleanup, mask: (text: string) => mask(text) };
}

/** npm install of exact versions into the sandbox work dir; the cache first (templates may ship one). */
async function installPackages(root: string, specs: readonly string[]): Promise<void> {
  const args = [
    'install',
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--prefix',
    root,
    ...specs,
  ];
  try {
    await run('npm', args, { cwd: root, maxBuffer: 16 << 20 });
  } catch (error) {
    const detail =
      (error as { stderr?: string }).stderr ?? (error instanceof Error ? error.message : String(error));
    const lines = detail
      .trim()
      .split('\n')
      .filter((l) => /err/i.test(l))
      .slice(-5)
      .join('; ');
    throw new OsirisError(
      'dependency_missing',
      `installing ${specs.join(', ')} in the sandbox failed (${lines || 'npm failed'}); use a template with them installed, or give the sandbox access to an npm registry`,
    );
  }
}

function createSecretLookup(secrets: PrepareSecrets): ConnectionLookup {
  return (family, alias) => {
    const key = createConnectionKey(family, alias);
    const hit = secrets.connections[key];
    if (hit) return hit;
    const failure = secrets.connection_errors[key];
    throw new OsirisError(
      (failure?.code as 'connection_error' | undefined) ?? 'connection_error',
      failure?.message ?? `connection @${family}.${alias ?? 'default'} was not sent to the sandbox`,
    );
  };
}
