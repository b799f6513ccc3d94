import type { Command } from 'commander';
import type { ComponentSpec, DriverTable, ListedConnection } from '../index.js';
import { OsirisError } from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { loadIoConnections, printJson } from './cli-io.js';
import { renderComponentPage } from './render-component-page.js';
import { runConnectionsDoctor } from './connections-doctor-command.js';

/** `connections list --json` (and the MCP tool): every connection of the project, secrets masked. */
export function listConnectionsReport(
  io: CliIo,
  file: string | undefined,
): { file: string | null; connections: ListedConnection[] } {
  const registry = loadIoConnections(io, file);
  return { file: registry.file ?? null, connections: registry.list() };
}

/** `components list --json` (and the MCP tool): name, modes and title of each component, by name. */
export function listComponentsReport(drivers: DriverTable): {
  components: Array<Pick<ComponentSpec, 'name' | 'modes' | 'title'>>;
} {
  const specs = [...drivers.values()].map((m) => m.spec).sort((a, b) => a.name.localeCompare(b.name));
  return { components: specs.map((s) => ({ name: s.name, modes: s.modes, title: s.title })) };
}

/** `components show NAME --json` (and the MCP tool): the spec itself; an unknown name is a usage error. */
export function findComponentSpec(drivers: DriverTable, name: string): ComponentSpec {
  const spec = drivers.get(name)?.spec;
  if (!spec)
    throw new OsirisError(
      'usage',
      `unknown component '${name}' (known: ${[...drivers.keys()].sort().join(', ')})`,
    );
  return spec;
}

/** `connections list|doctor` and `components list|show`. */
export function registerInspectCommands(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  act: ActionWrapper,
): void {
  const connections = program.command('connections').description('inspect connections (secrets masked)');
  connections
    .command('list')
    .description('list connections with secrets masked')
    .option(
      '--connections <file>',
      'connections file (default: osiris_connections.yaml in the project directory)',
    )
    .option('--json', 'print one JSON object')
    .action(
      act((opts: { connections?: string; json?: boolean }) => {
        const listed = listConnectionsReport(io, opts.connections);
        const list = listed.connections;
        if (opts.json) printJson(io, listed);
        else if (list.length === 0)
          io.stdout.write(`no connections (${listed.file ?? 'no connections file found'})\n`);
        else
          for (const c of list)
            io.stdout.write(
              `@${c.family}.${c.alias}${c.default ? ' (default)' : ''}  ${JSON.stringify(c.fields)}${c.missing.length ? `  (unset: ${c.missing.join(', ')})` : ''}\n`,
            );
        return 0;
      }),
    );

  connections
    .command('doctor')
    .description(
      'connect to each connection (or one), run a trivial query, report latency or a masked error; exit 1 if any fails',
    )
    .argument('[connection]', 'one connection, e.g. @postgres.main')
    .option(
      '--connections <file>',
      'connections file (default: osiris_connections.yaml in the project directory)',
    )
    .option('--timeout <seconds>', 'connect timeout per connection', '10')
    .option('--json', 'print one JSON object')
    .action(
      act((ref: string | undefined, opts: { connections?: string; json?: boolean; timeout: string }) =>
        runConnectionsDoctor(io, ref, opts),
      ),
    );
  registerComponentsCommands(program, io, drivers, act);
}

function registerComponentsCommands(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  act: ActionWrapper,
): void {
  const components = program.command('components').description('list and describe components');
  components
    .command('list')
    .description('list components and their modes')
    .option('--json', 'print one JSON object')
    .action(
      act((opts: { json?: boolean }) => {
        const { components: specs } = listComponentsReport(drivers);
        if (opts.json) printJson(io, { components: specs });
        else
          for (const s of specs)
            io.stdout.write(`${s.name.padEnd(28)} ${s.modes.join(',').padEnd(16)} ${s.title}\n`);
        return 0;
      }),
    );
  components
    .command('show')
    .description('show a component spec: config schema, modes, secrets, dependencies, example')
    .argument('<name>', 'component name')
    .option('--json', 'print one JSON object')
    .action(
      act((name: string, opts: { json?: boolean }) => {
        const spec = findComponentSpec(drivers, name);
        if (opts.json) printJson(io, spec);
        else io.stdout.write(renderComponentPage(spec));
        return 0;
      }),
    );
}
