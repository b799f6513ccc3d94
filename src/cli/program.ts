import { Command, CommanderError } from 'commander';
import type { DriverTable } from '../index.js';
import { OSIRIS_VERSION } from '../index.js';
import type { CliIo } from './cli-io.js';
import { reportError } from './cli-io.js';
import { registerDiscoverCommand } from './discover-command.js';
import { registerInspectCommands } from './inspect-commands.js';
import { registerLogsCommands } from './register-logs-commands.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerPipelineCommands } from './pipeline-commands.js';
import { registerRunCommand } from './run-command.js';
import { registerStateCommands } from './state-command.js';

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

  registerPipelineCommands(program, io, drivers, act);
  registerRunCommand(program, io, drivers, signal, act);
  registerStateCommands(program, io, drivers, act);
  registerLogsCommands(program, io, act);
  registerInspectCommands(program, io, drivers, act);
  registerDiscoverCommand(program, io, drivers, act);
  registerMcpCommand(program, io, drivers, signal, act);
  return { program, result };
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
