import type { Command } from 'commander';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { createLogsDirOption, runLogsList, runLogsShow } from './logs-command.js';
import { runLogsGc } from './logs-gc-command.js';
import { registerReportCommands } from './report-commands.js';

/** `osiris logs …`: list, show, last, gc, and the report commands. */
export function registerLogsCommands(program: Command, io: CliIo, act: ActionWrapper): void {
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
}
