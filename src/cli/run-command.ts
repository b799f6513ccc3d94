import { resolve } from 'node:path';
import type {
  CompiledPipeline,
  DriverTable,
  LoadPlanInput,
  RunPipelineOptions,
  RunResult,
} from '../index.js';
import { OsirisError, compilePipeline, loadLastCompile, loadManifestPlan, runPipeline } from '../index.js';
import type { Command } from 'commander';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { collectOption, isColorAllowed, parseKeyValues, printJson, reportError } from './cli-io.js';
import { createProgressDisplay } from './progress-display.js';
import { runBatchCommand } from './run-batch.js';
import type { RemoteRunOptions } from './execution-target.js';
import {
  listTransportSecrets,
  parseMemoryLimit,
  parsePositiveInt,
  selectExecutionTarget,
} from './execution-target.js';
import { printRunSummary, renderRunJson, showSessionDir } from './print-run-summary.js';
import type { SandboxTarget } from './select-adapter.js';

/**
 * Steps that may run at once by default: independent extractors mostly wait on their databases, so a
 * few overlap well even on 2 cores; the data plane's own work stays one statement at a time.
 */
const DEFAULT_CONCURRENCY = 4;

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
  fullRefresh?: boolean;
  concurrency: string;
  parallel?: string;
  retryLost?: boolean;
  sandboxReuse?: boolean;
}

export type RunOptions = RunCommandOptions & RemoteRunOptions;

/** The plan of `run`-like commands: FILE (OML compiled, or a manifest.yaml as is), or --last-compile. */
export function loadPlan(
  file: string | undefined,
  opts: Pick<RunCommandOptions, 'lastCompile' | 'param' | 'profile' | 'out'>,
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

/** What every pipeline of one `osiris run` shares: options read once, the adapter factory. */
export type RunSettings = Omit<RunPipelineOptions, 'plan' | 'onSession'>;

/** The run options, and the sandboxes of a sandbox run (close them when the runs are over). */
export interface RunSetup {
  settings: RunSettings;
  sandboxes: SandboxTarget | undefined;
}

/** Read the run options once (bad values are usage errors before anything runs); `poolSize` pools sandboxes. */
export async function readRunSettings(
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
  poolSize?: number,
): Promise<RunSetup> {
  const timeoutMs = parseTimeoutSeconds(opts.timeout) * 1000;
  const target = selectExecutionTarget(opts, io.env);
  // the remote transports load only for sandbox runs
  const sandboxes =
    target === 'local'
      ? undefined
      : (await import('./select-adapter.js')).createSandboxTarget(
          target,
          opts,
          io.env,
          timeoutMs,
          requireInstallDir(io),
          poolSize,
        );
  const settings: RunSettings = {
    drivers,
    env: io.env,
    ...(opts.logsDir ? { logsDir: resolve(io.cwd, opts.logsDir) } : {}),
    ...(opts.connections ? { connectionsFile: resolve(io.cwd, opts.connections) } : {}),
    memoryLimit: parseMemoryLimit(opts.memoryLimit),
    threads: parsePositiveInt(opts.threads, '--threads'),
    timeoutMs,
    signal,
    fullRefresh: opts.fullRefresh === true,
    concurrency: parsePositiveInt(opts.concurrency, '--concurrency'),
    extraSecrets: listTransportSecrets(io.env),
    ...(sandboxes ? { createAdapter: sandboxes.createAdapter() } : {}),
  };
  return { settings, sandboxes };
}

/**
 * Run a pipeline; with `--retry-lost` and a sandbox, a run whose sandbox was lost (`worker_lost`) runs
 * once more, as a session of its own, on a new sandbox. `lost` is the first run then.
 */
export async function runRetryingLost(
  options: RunPipelineOptions,
  sandboxes: SandboxTarget | undefined,
  opts: RunOptions,
): Promise<{ result: RunResult; lost?: RunResult }> {
  const first = await runPipeline(options);
  const lost = first.status.error?.code === 'worker_lost';
  if (!lost || !opts.retryLost || !sandboxes || options.signal?.aborted) return { result: first };
  const result = await runPipeline({ ...options, createAdapter: sandboxes.createAdapter(true) });
  return { result, lost: first };
}

/** `osiris run`: compile if needed, run, print a summary; returns the exit code. */
export async function runRunCommand(
  files: readonly string[],
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): Promise<number> {
  if (files.length > 1) return runBatchCommand(files, opts, io, drivers, signal);
  const file = files[0];
  const json = Boolean(opts.json);
  try {
    const { settings, sandboxes } = await readRunSettings(opts, io, drivers, signal);
    const plan = loadPlan(file, opts, io, drivers);
    const options: RunPipelineOptions = {
      ...settings,
      plan,
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
    };
    const { result, lost } = await runRetryingLost(options, sandboxes, opts);
    const { status } = result;
    if (json) printJson(io, renderRunJson(io, result, lost));
    else {
      if (lost) io.stderr.write(`↻ sandbox lost (session ${showSessionDir(io, lost)}), ran again\n`);
      printRunSummary(io, status, showSessionDir(io, result));
    }
    return status.exit_code;
  } catch (error) {
    return reportError(io, error, json);
  }
}

/** `osiris run`. */
export function registerRunCommand(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
  act: ActionWrapper,
): void {
  program
    .command('run')
    .description('run an OML file (compiled first), a manifest.yaml as is, or --last-compile')
    .argument('[files...]', 'OML pipeline(s) or manifest.yaml(s); several run as a batch (see --parallel)')
    .option(
      '--last-compile',
      'run the manifest of the last `osiris compile` in this project (`run FILE` does not change it)',
    )
    .option('--param <k=v>', 'parameter value (repeatable)', collectOption, [])
    .option('--profile <name>', 'profile recorded in the manifest', 'default')
    .option('--out <dir>', 'build root when compiling (default: build/ in the project directory)')
    .option('--logs-dir <dir>', 'where session directories go (default: logs/ in the project directory)')
    .option(
      '--connections <file>',
      'connections file (default: $OSIRIS_CONNECTIONS, else osiris_connections.yaml in the project directory)',
    )
    .option(
      '--concurrency <n>',
      'steps that may run at once once the steps they need succeeded (1 = one after the other)',
      String(DEFAULT_CONCURRENCY),
    )
    .option(
      '--full-refresh',
      'incremental extractors read everything again (from `initial`); their writers then store the new state',
    )
    .option('--timeout <seconds>', 'abort the run after this many seconds (0 = none)', '600')
    .option('--memory-limit <size>', 'DuckDB data-plane memory limit (spills to disk beyond it)', '1GB')
    .option(
      '--threads <n>',
      'DuckDB data-plane threads (1 leaves a core to a co-located database on small machines)',
      '2',
    )
    .option('--e2b', 'execute the steps in an E2B sandbox (needs E2B_API_KEY); same as --sandbox e2b')
    .option(
      '--sandbox <kind>',
      'execute the steps in a sandbox: e2b | local (a child process in a fresh directory)',
    )
    .option('--cpu <n>', 'sandbox vCPUs', '2')
    .option('--memory-mb <n>', 'sandbox memory in MiB', '2048')
    .option('--e2b-template <name>', 'E2B template (one with the dependencies baked in starts fastest)')
    .option(
      '--e2b-create-rate <n>',
      'E2B sandbox creates per second at most, across a batch (Hobby allows 1, Pro 5)',
      '1',
    )
    .option(
      '--e2b-install-deps',
      'install missing runtime dependencies in the sandbox (or OSIRIS_E2B_INSTALL_DEPS=1)',
    )
    .option('--json', 'print status.json plus session_dir as one JSON object')
    .option('--verbose', 'stream every event and metric line to stderr')
    .option(
      '--parallel <n>',
      'with several pipelines: how many run at once (with --sandbox: also how many sandboxes live at once, each serving successive pipelines)',
      '2',
    )
    .option(
      '--no-sandbox-reuse',
      'with several pipelines and a sandbox: a new sandbox for each pipeline instead of a pool that wipes and reuses them',
    )
    .option(
      '--retry-lost',
      'with --sandbox: run a pipeline whose sandbox was lost (worker_lost) once more, on a new sandbox',
    )
    .action(act((files: string[], opts) => runRunCommand(files, opts, io, drivers, signal)));
}
