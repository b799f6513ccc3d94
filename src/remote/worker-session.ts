import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type {
  ConnectionLookup,
  DriverTable,
  ErrorCode,
  EventSink,
  Manifest,
  StepLogger,
} from '../core/index.js';
import {
  createConnectionLookup,
  createMasker,
  decodeInputRefs,
  makeDirectory,
  OsirisError,
} from '../core/index.js';
// not runtime/index.js: it re-exports the local adapter and more; the worker's entry chunk takes only
// what it uses (DuckDB loads only after the dependency check)
import { parseStepConfig } from '../runtime/parse-step-config.js';
import type { DuckDbModuleLoader, StepRunner } from '../runtime/step-runner.js';
import { createStepRunner } from '../runtime/step-runner.js';
import { checkDependencies } from './check-dependencies.js';
import type { HostApi, PrepareSecrets, RequestOf, WorkerApi } from './protocol.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { writeArtifactsArchive } from './artifacts-archive.js';
import { resolveWorkPath } from './resolve-work-path.js';

/** How the worker reaches the outside: the host's API, and lazily loaded heavy parts. */
export interface WorkerEnvironment {
  /** Sandbox work directory (holds manifest.yaml, cfg/, artifacts/, project/). */
  root: string;
  /** Parse manifest.yaml (the compiler's parser, bound by the worker entry). */
  parseManifest(text: string, file: string): Manifest;
  /** Packages bundled into the worker (always present). */
  bundled: ReadonlySet<string>;
  /** The host, reached through notifications. */
  host: HostApi;
  /** Load the driver table (a separate chunk, so client libraries load only after the dependency check). */
  loadDrivers(): Promise<DriverTable>;
  /** Load the DuckDB data plane module (when a step first needs it). */
  loadDataPlane: DuckDbModuleLoader;
}

/** The worker's side of the protocol: serves WorkerApi, one request at a time; masks with the run's secrets. */
export interface WorkerSession extends WorkerApi {
  /** Masks the secrets `prepare` brought (identity before it). */
  mask(text: string): string;
}

const execFileAsync = promisify(execFile);

/** State lives between prepare and cleanup; steps run through the same step runner as a local run. */
export function createWorkerSession(env: WorkerEnvironment): WorkerSession {
  let manifest: Manifest | undefined;
  let runner: StepRunner | undefined;
  let mask: (t: string) => string = (t) => t;
  const outputFiles = new Set<string>();
  const projectDir = join(env.root, 'project');
  const sink: EventSink = {
    event: (name, fields = {}) => env.host.event(name, fields),
    metric: (name, value, options = {}) => env.host.metric(name, value, options),
  };
  const log: StepLogger = {
    info: (m) => env.host.log('info', mask(m)),
    warn: (m) => env.host.log('warn', mask(m)),
    debug: (m) => env.host.log('debug', mask(m)),
  };

  return {
    mask: (text) => mask(text),
    async ping(req) {
      if (req.protocol !== PROTOCOL_VERSION)
        throw new OsirisError(
          'protocol_error',
          `protocol ${req.protocol} not supported (worker speaks ${PROTOCOL_VERSION})`,
        );
      return { protocol: PROTOCOL_VERSION, node: process.version };
    },
    async prepare(req) {
      if (manifest) throw new OsirisError('protocol_error', 'prepare was already done for this worker');
      const manifestFile = resolveWorkPath(env.root, req.manifest_path, 'prepare.manifest_path', 'read');
      manifest = env.parseManifest(readFileSync(manifestFile, 'utf8'), req.manifest_path);
      const secrets = req.secrets ?? { connections: {}, connection_errors: {} };
      const masker = createMasker(Object.values(secrets.connections).flatMap((c) => c.secrets));
      mask = masker;
      await ensureDependencies(req, env, sink);
      const host = {
        drivers: await env.loadDrivers(),
        connections: createSecretLookup(secrets),
        sink,
        log,
        sessionDir: env.root,
        projectDir,
        workDir: join(env.root, '.work'),
        mask: masker,
      };
      const prepared = createStepRunner(host, env.loadDataPlane);
      // SQL in the sandbox reads and writes only inside the sandbox work directory (symlinks resolved)
      const settings = {
        memoryLimit: req.memory_limit,
        threads: req.threads,
        confineTo: [realpathSync(env.root)],
      };
      const starts = new Map(Object.entries(req.starts ?? {}));
      const streams = new Map(Object.entries(req.streams ?? {}));
      const drivers = await prepared.prepare(manifest, settings, starts, streams);
      makeDirectory(projectDir);
      runner = prepared;
      return { drivers };
    },
    async exec_step(req, signal) {
      const step = manifest?.steps.find((s) => s.id === req.step_id);
      if (!runner || !step)
        throw new OsirisError('protocol_error', `exec_step ${req.step_id} before prepare or unknown step`);
      const cfgFile = resolveWorkPath(env.root, req.cfg_path, 'exec_step.cfg_path', 'read');
      const config = parseStepConfig(readFileSync(cfgFile, 'utf8'));
      const outcome = await runner.run(step, config, decodeInputRefs(req.inputs), signal, req.start);
      // output files travel back relative to the project directory, landing where a local run puts them
      const files = outcome.outputFiles.map((f) => relative(projectDir, f).split('\\').join('/'));
      for (const f of files) outputFiles.add(f);
      return { ...outcome, outputFiles: files };
    },
    async cleanup(req) {
      const archive = resolveWorkPath(env.root, req.archive_path, 'cleanup.archive_path', 'write');
      const closing = runner;
      runner = undefined;
      await closing?.close();
      const stats = await writeArtifactsArchive(env.root, [...outputFiles], archive);
      return { archive_path: req.archive_path, ...stats };
    },
  };
}

/** The dependency check (and install, when asked); throws dependency_missing for what is still missing. */
async function ensureDependencies(
  req: RequestOf<'prepare'>,
  env: WorkerEnvironment,
  sink: EventSink,
): Promise<void> {
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
    await execFileAsync('npm', args, { cwd: root, maxBuffer: 16 << 20 });
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

/** The host's resolved connections and resolution errors as a lookup (the errors thrown as the host saw them). */
function createSecretLookup(secrets: PrepareSecrets): ConnectionLookup {
  const failures = new Map(
    Object.entries(secrets.connection_errors).map(([key, e]) => [
      key,
      new OsirisError(e.code as ErrorCode, e.message),
    ]),
  );
  return createConnectionLookup(
    new Map(Object.entries(secrets.connections)),
    failures,
    'was not sent to the sandbox',
  );
}
