import { join, resolve } from 'node:path';
import { loadConnections } from '../connections/index.js';
import type { DriverTable, ExecutionAdapter, ResolvedConnection, SessionStatus } from '../core/index.js';
import { OsirisError, createMasker, createSecretFinder, findPlanSecret } from '../core/index.js';
import { createLocalAdapter, parseStepConfigs, runManifest } from '../runtime/index.js';
import type { SessionWriter } from '../session/index.js';
import { createSessionDir, createSessionWriter, releaseSessionLock } from '../session/index.js';
import type { CompiledPipeline } from './compile-pipeline.js';
import { resolveRunConnections } from './resolve-run-connections.js';

export interface RunPipelineOptions {
  /** The compiled plan to run. */
  plan: CompiledPipeline;
  /** Bound drivers. */
  drivers: DriverTable;
  /** Environment for connections. */
  env: Record<string, string | undefined>;
  /** `--logs-dir` (absolute, or relative to the plan's project root; default `<root>/logs`). */
  logsDir?: string;
  /** `--connections FILE` (absolute, or relative to the plan's project root). */
  connectionsFile?: string;
  /** DuckDB memory limit (default 1GB). */
  memoryLimit?: string;
  /** DuckDB threads (default 2). */
  threads?: number;
  /** Run timeout in ms (0 = none). */
  timeoutMs?: number;
  /** External abort (Ctrl-C): reason should be an OsirisError('interrupted'). */
  signal?: AbortSignal;
  /** Secrets besides the connections' (e.g. a sandbox provider's API key), masked everywhere. */
  extraSecrets?: string[];
  /** Build another adapter (a remote one) instead of the local one; it gets the run's connections at prepare. */
  createAdapter?: (drivers: DriverTable) => ExecutionAdapter;
  /** Incremental extractors ignore their stored state; their writers store the new one (docs/incremental.md). */
  fullRefresh?: boolean;
  /** Steps that may run at once once their inputs are ready (default 1). */
  concurrency?: number;
  /** Called once the session writer exists (live progress). */
  onSession?: (writer: SessionWriter) => void;
}

/** Result of a run. */
export interface RunResult {
  /** status.json content. */
  status: SessionStatus;
  /** Absolute session directory. */
  sessionDir: string;
}

/** Run a compiled plan in a new session directory; the session is complete on every path. */
export async function runPipeline(options: RunPipelineOptions): Promise<RunResult> {
  const { plan, drivers } = options;
  // A broken connections file only fails the steps that need a connection, inside a complete session.
  let resolveConnection: (family: string, alias: string | undefined) => ResolvedConnection;
  try {
    const registry = loadConnections({
      file: options.connectionsFile,
      root: plan.projectRoot,
      env: options.env,
    });
    resolveConnection = (family, alias) => registry.resolve(family, alias);
  } catch (error) {
    resolveConnection = () => {
      throw error;
    };
  }
  const stepConfigs = parseStepConfigs(plan.cfgTexts);
  const connections = resolveRunConnections(plan.manifest, stepConfigs, drivers, resolveConnection);
  const secrets = [...connections.secrets, ...(options.extraSecrets ?? [])];
  refusePlanWithSecret(plan, secrets);
  const mask = createMasker(secrets);

  const startedAt = new Date();
  const logsDir = resolve(plan.projectRoot, options.logsDir ?? 'logs');
  const session = createSessionDir(logsDir, startedAt.getTime(), { projectDir: plan.projectDir });
  const writer = createSessionWriter({ sessionId: session.id, dir: session.dir, mask });
  options.onSession?.(writer);

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(
          () =>
            controller.abort(
              new OsirisError('timeout', `run exceeded its timeout of ${options.timeoutMs} ms`),
            ),
          options.timeoutMs,
        )
      : undefined;
  const adapter = options.createAdapter?.(drivers) ?? createLocalAdapter(drivers);
  try {
    const status = await runManifest({
      writer,
      adapter,
      drivers,
      fullRefresh: options.fullRefresh === true,
      concurrency: options.concurrency ?? 1,
      startedAt,
      run: {
        sessionId: session.id,
        sessionDir: session.dir,
        projectDir: plan.projectDir,
        workDir: join(session.dir, '.work'),
        manifest: plan.manifest,
        manifestText: plan.manifestText,
        cfgTexts: plan.cfgTexts,
        stepConfigs,
        connections,
        mask,
        sink: writer,
        log: writer.log,
        signal: controller.signal,
        memoryLimit: options.memoryLimit ?? '1GB',
        threads: options.threads ?? 2,
      },
    });
    return { status, sessionDir: session.dir };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    writer.close();
    // the session is no longer running: logs gc may now remove it
    releaseSessionLock(session.dir);
  }
}

/**
 * manifest.yaml and cfg/ go into the session byte for byte (never masked: masking would rewrite
 * `postgres.extractor` for a password `postgres`), so they are verified to hold no secret first; a plan
 * that does is refused before anything is written.
 */
function refusePlanWithSecret(plan: CompiledPipeline, secrets: readonly string[]): void {
  const finder = createSecretFinder(secrets);
  const finding = findPlanSecret(plan.manifest, plan.cfgTexts, finder.contains, finder.equals);
  if (!finding) return;
  throw new OsirisError(
    'config_error',
    `${join(plan.buildDir, finding.file)}: the value at '${finding.path}' holds a secret of a connection this run uses (a password or key, or a form of one); pipelines must not carry secrets: take it from the connection instead (if the match is a coincidence because the password is a short or common word, change the password)`,
  );
}
