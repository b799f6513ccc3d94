import { relative, resolve } from 'node:path';
import type { CompiledPipeline, DriverTable, LoadPlanInput } from '../index.js';
import { OsirisError, compilePipeline, loadLastCompile, loadManifestPlan, runPipeline } from '../index.js';
import type { CliIo } from './cli-io.js';
import { isColorAllowed, parseKeyValues, printJson, reportError } from './cli-io.js';
import { createProgressDisplay } from './progress-display.js';
import type { RemoteRunOptions } from './execution-target.js';
import {
  listTransportSecrets,
  parseMemoryLimit,
  parsePositiveInt,
  selectExecutionTarget,
} from './execution-target.js';

export interface RunCommandOptions {
  lastCompile?: boolean;
  param?: string[];
  profile: string;
  logsDir?: string;
  connections?: string;
  out?: string;
  json?: boolean;
  verbose?: boolean;
  timeout: string;
  memoryLimit: string;
  threads: string;
}

export type RunOptions = RunCommandOptions & RemoteRunOptions;

function loadPlan(
  file: string | undefined,
  opts: RunCommandOptions,
  io: CliIo,
  drivers: DriverTable,
): CompiledPipeline {
  if (opts.lastCompile) {
    if (file) throw new OsirisError('usage', 'give either FILE or --last-compile, not both');
    return loadLastCompile(planInput(io, drivers));
  }
  if (!file)
    throw new OsirisError('usage', 'missing FILE (an OML pipeline or a manifest.yaml), or --last-compile');
  if (/(^|[\\/])manifest\.ya?ml$/.test(file)) return loadManifestPlan(file, planInput(io, drivers));
  return compilePipeline({
    file,
    params: parseKeyValues(opts.param ?? [], '--param'),
    profile: opts.profile,
    ...(opts.out ? { outDir: resolve(io.cwd, opts.out) } : {}),
    cwd: io.cwd,
    ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
    env: io.env,
    drivers,
    // `run --last-compile` promises the last `osiris compile`: running a file must not move that pointer.
    recordLastCompile: false,
  });
}

function planInput(io: CliIo, drivers: DriverTable): LoadPlanInput {
  return {
    cwd: io.cwd,
    drivers,
    ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
  };
}

function requireInstallDir(io: CliIo): string {
  if (!io.installDir)
    throw new OsirisError('internal', 'sandbox runs need the osiris install directory (CliIo.installDir)');
  return io.installDir;
}

function parseTimeoutSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new OsirisError('usage', `--timeout expects seconds (>= 0), got '${text}'`);
  return seconds;
}

/** `osiris run`: compile if needed, run, print a summary; returns the exit code. */
export async function runRunCommand(
  file: string | undefined,
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): Promise<number> {
  const json = Boolean(opts.json);
  try {
    const timeoutMs = parseTimeoutSeconds(opts.timeout) * 1000;
    const target = selectExecutionTarget(opts, io.env);
    // the remote transports load only for sandbox runs
    const createAdapter =
      target === 'local'
        ? undefined
        : (await import('./select-adapter.js')).createAdapterFactory(
            target,
            opts,
            io.env,
            timeoutMs,
            requireInstallDir(io),
          );
    const plan = loadPlan(file, opts, io, drivers);
    const result = await runPipeline({
      plan,
      drivers,
      env: io.env,
      ...(opts.logsDir ? { logsDir: resolve(io.cwd, opts.logsDir) } : {}),
      ...(opts.connections ? { connectionsFile: resolve(io.cwd, opts.connections) } : {}),
      memoryLimit: parseMemoryLimit(opts.memoryLimit),
      threads: parsePositiveInt(opts.threads, '--threads'),
      timeoutMs,
      signal,
      extraSecrets: listTransportSecrets(io.env),
      ...(createAdapter ? { createAdapter } : {}),
      onSession: (writer) => {
        if (json && !opts.verbose) return;
        // progress goes to stderr so stdout carries only the summary (or the one JSON object)
        const target = io.stderr;
        writer.listen(
          createProgressDisplay(
            { write: (t) => void target.write(t), isTTY: Boolean(target.isTTY) },
            {
              color: isColorAllowed(io),
              verbose: Boolean(opts.verbose),
              stepsTotal: plan.manifest.steps.length,
            },
          ),
        );
      },
    });
    const { status } = result;
    const sessionPath = relative(io.cwd, result.sessionDir) || result.sessionDir;
    if (json) printJson(io, { ...status, session_dir: sessionPath });
    else if (status.ok) {
      io.stdout.write(
        `✓ ${status.pipeline_id}: ${status.steps_completed}/${status.steps_total} steps, ${status.rows_read} rows read, ${status.rows_written} rows written in ${status.duration_ms} ms\n  session ${status.session_id}: ${sessionPath}\n`,
      );
    } else {
      io.stderr.write(
        `✗ ${status.pipeline_id}: failed${status.failed_step ? ` at step ${status.failed_step}` : ''} [${status.error?.code}]: ${status.error?.message}\n  session ${status.session_id}: ${sessionPath}\n`,
      );
    }
    return status.exit_code;
  } catch (error) {
    return reportError(io, error, json);
  }
}
