// `osiris mcp`: registers the command only; the server and the MCP SDK load in its action (a lazy
// import), so `osiris --version` and every other command start without them.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DriverTable } from '../index.js';
import { OsirisError } from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { printJson, resolveIoProject } from './cli-io.js';

/** The `mcpServers` entry an MCP client (Claude Desktop, Cursor, …) uses to start this server. */
export function buildMcpClientConfig(io: CliIo): Record<string, unknown> {
  if (!io.installDir)
    throw new OsirisError('internal', 'the osiris install directory is unknown (CliIo.installDir)');
  return {
    mcpServers: {
      osiris: {
        command: resolve(io.installDir, 'bin', 'osiris.mjs'),
        args: ['mcp'],
        cwd: resolveIoProject(io).root,
      },
    },
  };
}

/** `osiris mcp [--print-config]`. */
export function registerMcpCommand(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
  act: ActionWrapper,
): void {
  program
    .command('mcp')
    .description(
      "serve the project to AI agents: an MCP server on stdio whose tools are osiris's --json commands (see docs/mcp.md)",
    )
    .option('--print-config', 'print the JSON an MCP client needs to start this server, and exit')
    .action(
      act(async (opts: { printConfig?: boolean }) => {
        if (opts.printConfig) {
          printJson(io, buildMcpClientConfig(io));
          return 0;
        }
        const { serveMcp } = await import('./mcp-server.js');
        return serveMcp(io, drivers, signal);
      }),
    );
}
