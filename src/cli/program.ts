import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { DriverTable } from '../index.js';
import {
  OSIRIS_VERSION,
  OsirisError,
  compilePipeline,
  createCatalog,
  formatDiagnostic,
  validateOml,
} from '../index.js';
import type { CliIo } from './cli-io.js';
import { collectOption, parseKeyValues, printJson, reportError } from './cli-io.js';
import { runInitCommand } from './init-command.js';
import { registerInspectCommands } from './inspect-commands.js';
import { registerReportCommands } from './report-commands.js';
import { createLogsDirOption, runLogsGc, runLogsList, runLogsShow } from './logs-command.js';
import { runRunCommand } from './run-command.js';

/** Build the `osiris` program; each action stores its exit code in `result.code`. */
export function createProgram(
  baseIo: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): { program: Command; result: { code: number } } {
  const result = { code: 0 };
  // A copy: the global --project-dir lands here before the action runs (preAction below).
  const io: CliIo = { ...baseIo };
  const program = new Command('osiris')
    .description(
      'Osiris: compile and run data pipelines (OML) locally or in a sandbox, with one observable session per run',
    )
    .version(OSIRIS_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showSuggestionAfterError(true)
    .option(
      '-C, --project-dir <dir>',
      'project directory: anchors logs/, build/, .osiris/, .env, the connections file and data paths (default: the nearest osiris.yaml at or above the pipeline file or the current directory)',
    )
    .hook('preAction', () => {
      const { projectDir } = program.opts<{ projectDir?: string }>();
      if (projectDir !== undefined) io.projectDir = projectDir;
    });

  // Every action reports its own errors so each command decides its exit code and --json shape.
  const act =
    <A extends unknown[]>(fn: (...args: A) => number | Promise<number>) =>
    async (...args: A): Promise<void> => {
      const opts = args.find((a) => a && typeof a === 'object' && !Array.isArray(a)) as
        { json?: boolean } | undefined;
      try {
        result.code = await fn(...args);
      } catch (error) {
        result.code = reportError(io, error, Boolean(opts?.json));
      }
    };

  program
    .command('init')
    .description(
      'scaffold a project: osiris.yaml, osiris_connections.yaml, .env.example, pipelines/, .gitignore',
    )
    .argument('[dir]', 'target directory', '.')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print one JSON object')
    .action(act((dir: string, opts: { force?: boolean; json?: boolean }) => runInitCommand(io, dir, opts)));

  program
    .command('validate')
    .description(
      'check an OML file against the component specs without writing anything (exit 2 on findings)',
    )
    .argument('<file>', 'OML pipeline file')
    .option('--param <k=v>', 'parameter value (repeatable)', collectOption, [])
    .option('--json', 'print one JSON object')
    .action(
      act((file: string, opts: { param: string[]; json?: boolean }) => {
        const text = readOmlFile(io, file);
        const diagnostics = validateOml({
          text,
          file,
          catalog: createCatalog(drivers),
          cliParams: parseKeyValues(opts.param, '--param'),
          env: io.env,
          profile: 'default',
          compilerVersion: OSIRIS_VERSION,
        });
        if (opts.json) printJson(io, { ok: diagnostics.length === 0, file, diagnostics });
        else if (diagnostics.length === 0) io.stdout.write(`${file}: valid\n`);
        else for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
        return diagnostics.length === 0 ? 0 : 2;
      }),
    );

  program
    .command('compile')
    .description(
      'compile OML into build/<pipeline>/<short>/{manifest.yaml,cfg/*.json} (deterministic, secret-free)',
    )
    .argument('<file>', 'OML pipeline file')
    .option(
      '--param <k=v>',
      'parameter value (repeatable; beats OSIRIS_PARAM_<NAME> and defaults)',
      collectOption,
      [],
    )
    .option('--profile <name>', 'profile recorded in the manifest', 'default')
    .option('--out <dir>', 'build root (default: build/ in the project directory)')
    .option('--json', 'print one JSON object')
    .action(
      act((file: string, opts: { param: string[]; profile: string; out?: string; json?: boolean }) => {
        const compiled = compilePipeline({
          file,
          params: parseKeyValues(opts.param, '--param'),
          profile: opts.profile,
          ...(opts.out === undefined ? {} : { outDir: resolve(io.cwd, opts.out) }),
          cwd: io.cwd,
          ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
          env: io.env,
          drivers,
        });
        const manifestPath = relative(io.cwd, resolve(compiled.buildDir, 'manifest.yaml'));
        const { pipeline } = compiled.manifest;
        if (opts.json) {
          printJson(io, {
            ok: true,
            pipeline_id: pipeline.id,
            manifest_path: manifestPath,
            steps: compiled.manifest.steps.length,
            fingerprints: pipeline.fingerprints,
          });
        } else {
          io.stdout.write(
            `compiled ${pipeline.id}: ${compiled.manifest.steps.length} steps -> ${manifestPath}\n  manifest_fp ${pipeline.fingerprints.manifest_fp}\n`,
          );
        }
        return 0;
      }),
    );

  program
    .command('run')
    .description('run an OML file (compiled first), a manifest.yaml as is, or --last-compile')
    .argument('[file]', 'OML pipeline or manifest.yaml')
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
      '--e2b-install-deps',
      'install missing runtime dependencies in the sandbox (or OSIRIS_E2B_INSTALL_DEPS=1)',
    )
    .option('--json', 'print status.json plus session_dir as one JSON object')
    .option('--verbose', 'stream every event and metric line to stderr')
    .action(act((file: string | undefined, opts) => runRunCommand(file, opts, io, drivers, signal)));

  const logs = program.command('logs').description('inspect session directories');
  logs
    .command('list')
    .description('list sessions, newest first (failed runs show as failed)')
    .addOption(createLogsDirOption())
    .option('--json', 'print one JSON object')
    .action(act((opts: { logsDir?: string; json?: boolean }) => runLogsList(io, opts)));
  logs
    .command('show')
    .description('show one session: status and steps')
    .argument('<session>', 'session id (run_…), its number, or a session directory')
    .addOption(createLogsDirOption())
    .option('--json', 'print one JSON object')
    .action(act((ref: string, opts: { logsDir?: string; json?: boolean }) => runLogsShow(io, opts, ref)));
  logs
    .command('last')
    .description('show the newest session')
    .addOption(createLogsDirOption())
    .option('--json', 'print one JSON object')
    .action(act((opts: { logsDir?: string; json?: boolean }) => runLogsShow(io, opts, undefined)));
  logs
    .command('gc')
    .description(
      "delete all but the newest N finished sessions (never a running one or a corrupt entry); first removes killed runs' leftovers",
    )
    .addOption(createLogsDirOption())
    .option('--keep <n>', 'finished sessions to keep (a whole number)', '20')
    .option('--dry-run', 'only list what would be removed; remove nothing')
    .option('--json', 'print one JSON object')
    .action(
      act((opts: { logsDir?: string; keep: string; dryRun?: boolean; json?: boolean }) =>
        runLogsGc(io, opts),
      ),
    );

  registerReportCommands(logs, io, act);

  registerInspectCommands(program, io, drivers, act);
  return { program, result };
}

// Bytes, not text: the compiler refuses a non-UTF-8 file naming its encoding and the first bad byte.
function readOmlFile(io: CliIo, file: string): Uint8Array {
  try {
    return readFileSync(resolve(io.cwd, file));
  } catch (error) {
    throw new OsirisError(
      'usage',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/** Run the CLI with these arguments; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): Promise<number> {
  const { program, result } = createProgram(io, drivers, signal);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    return reportError(io, error, false);
  }
  return result.code;
}
