// Runs `osiris logs html|compare` in-process through registerReportCommands, exactly as program.ts
// wires it (a `logs` command and the same act wrapper), with captured streams.
import { Command } from 'commander';
import type { CliIo } from '../../src/cli/cli-io.js';
import { reportError } from '../../src/cli/cli-io.js';
import { registerReportCommands } from '../../src/cli/report-commands.js';

export interface ReportCliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runReportCli(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = { PATH: process.env.PATH },
): Promise<ReportCliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  };
  let code = 0;
  const act =
    <A extends unknown[]>(fn: (...a: A) => number | Promise<number>) =>
    async (...a: A): Promise<void> => {
      const opts = a.find((x) => x && typeof x === 'object' && !Array.isArray(x)) as
        { json?: boolean } | undefined;
      try {
        code = await fn(...a);
      } catch (error) {
        code = reportError(io, error, Boolean(opts?.json));
      }
    };
  const program = new Command('osiris').exitOverride();
  program.configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  const logs = program.command('logs').exitOverride();
  registerReportCommands(logs, io, act);
  try {
    await program.parseAsync(['logs', ...args], { from: 'user' });
  } catch {
    code = 2;
  }
  return { code, stdout, stderr };
}
