// MCP tools that look without changing anything: connections, discovery, components, sessions. Each
// returns what the matching `osiris … --json` command prints, built by the same function.
import { join } from 'node:path';
import { runDoctorProbes } from './connections-doctor-command.js';
import type { DiscoverOptions } from './discover-command.js';
import { discoverTarget } from './discover-command.js';
import { findComponentSpec, listComponentsReport, listConnectionsReport } from './inspect-commands.js';
import { listSessionsReport, showSessionReport } from './logs-command.js';
import { confinePath, confineRelative } from './mcp-confine.js';
import type { McpTool, ToolContext } from './mcp-tool-kit.js';
import { defineInput, toFlagText } from './mcp-tool-kit.js';

const connectionsList: McpTool = {
  name: 'osiris_connections_list',
  description:
    "The project's connections (osiris_connections.yaml) with secrets masked; unset variables show as <unset: VAR> and are listed in `missing`. Same as `osiris connections list --json`.",
  inputSchema: defineInput({}),
  run: (_args, ctx) => {
    const json = listConnectionsReport(ctx.io, undefined);
    const names = json.connections.map((c) => `@${c.family}.${c.alias}`);
    return { json, summary: `${names.length} connection(s): ${names.join(', ') || 'none'}` };
  },
};

const connectionsDoctor: McpTool = {
  name: 'osiris_connections_doctor',
  description:
    'Connect to each connection (or the one named), run a trivial query, report latency or a masked error. Same as `osiris connections doctor --json`.',
  inputSchema: defineInput({
    connection: { type: 'string', description: 'one connection, e.g. @postgres.main (default: all)' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, description: 'connect timeout (default 10)' },
  }),
  run: async (args, ctx) => {
    const ref = args.connection as string | undefined;
    const { json } = await runDoctorProbes(ctx.io, ref, { timeout: toFlagText(args.timeout_seconds, '10') });
    const failed = json.connections.filter((c) => !c.ok).map((c) => c.connection);
    const summary = `${json.connections.length - failed.length}/${json.connections.length} connection(s) answered${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
    return { json, summary };
  },
};

/** The discover tool's arguments as the CLI's option object (numbers as flag text, like commander). */
function toDiscoverOptions(args: Record<string, unknown>): DiscoverOptions {
  const pick = (key: string): Record<string, string> =>
    args[key] === undefined ? {} : { [key]: String(args[key]) };
  return {
    sample: toFlagText(args.sample, '5'),
    tableTimeout: toFlagText(args.table_timeout_seconds, '5'),
    timeout: toFlagText(args.timeout_seconds, '10'),
    header: args.header !== false,
    ...(args.tables === undefined ? {} : { tables: (args.tables as string[]).join(',') }),
    ...pick('schema'),
    ...(args.refresh === undefined ? {} : { refresh: Boolean(args.refresh) }),
    ...pick('delimiter'),
    ...pick('quote'),
    ...pick('escape'),
    ...pick('encoding'),
    ...(args.null_string === undefined ? {} : { nullString: String(args.null_string) }),
  };
}

const discover: McpTool = {
  name: 'osiris_discover',
  description:
    "What a pipeline would read: a database connection's tables (columns with source and data-plane types, nullability, primary key, row estimate, masked sample; cached, `refresh` reads again) or a CSV file of the project as filesystem.csv_extractor reads it. Same as `osiris discover --json`.",
  inputSchema: defineInput(
    {
      target: { type: 'string', description: '@family.alias (mysql, postgres, supabase) or a CSV file path' },
      tables: {
        type: 'array',
        items: { type: 'string' },
        description: 'only these tables (name or schema.name)',
      },
      schema: { type: 'string', description: 'PostgreSQL schema or MySQL database' },
      sample: { type: 'integer', minimum: 0, description: 'sample rows (default 5)' },
      table_timeout_seconds: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'per-table limit (default 5)',
      },
      timeout_seconds: { type: 'number', exclusiveMinimum: 0, description: 'connect timeout (default 10)' },
      refresh: { type: 'boolean', description: 'read the server again instead of the cache' },
      delimiter: { type: 'string', description: 'CSV: field delimiter' },
      quote: { type: 'string', description: 'CSV: quote character' },
      escape: { type: 'string', description: 'CSV: escape character' },
      header: { type: 'boolean', description: 'CSV: the first line is a header (default true)' },
      encoding: { type: 'string', description: 'CSV: utf-8, utf-16 or latin-1' },
      null_string: { type: 'string', description: 'CSV: unquoted text read as NULL' },
    },
    ['target'],
  ),
  run: async (args, ctx) => {
    const given = args.target as string;
    const target = given.startsWith('@') ? given : confineRelative(ctx.root, given, 'target');
    const report = await discoverTarget(ctx.io, ctx.drivers, target, toDiscoverOptions(args));
    const summary =
      report.kind === 'connection'
        ? `${report.json.connection}: ${report.json.tables.length} table(s)${report.json.cached ? ' (cached)' : ''}: ${report.json.tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`
        : `${report.json.file}: ${report.json.rows} rows, ${report.json.columns.length} columns`;
    return { json: report.json as unknown as Record<string, unknown>, summary };
  },
};

const componentsList: McpTool = {
  name: 'osiris_components_list',
  description: 'Every component with its modes and title. Same as `osiris components list --json`.',
  inputSchema: defineInput({}),
  run: (_args, ctx) => {
    const json = listComponentsReport(ctx.drivers);
    return { json, summary: json.components.map((c) => `${c.name} (${c.modes.join(',')})`).join(', ') };
  },
};

const componentShow: McpTool = {
  name: 'osiris_component_show',
  description:
    "One component's spec: config JSON Schema, modes, connection families, secrets, runtime dependencies, an example step. Same as `osiris components show NAME --json`.",
  inputSchema: defineInput({ name: { type: 'string', description: 'e.g. mysql.extractor' } }, ['name']),
  run: (args, ctx) => {
    const spec = findComponentSpec(ctx.drivers, args.name as string);
    return {
      json: spec as unknown as Record<string, unknown>,
      summary: `${spec.name} ${spec.version}: ${spec.title} (modes ${spec.modes.join(', ')})`,
    };
  },
};

const logsList: McpTool = {
  name: 'osiris_logs_list',
  description:
    "The project's sessions (logs/), newest first, with status, pipeline, adapter, steps, rows, duration. Same as `osiris logs list --json`.",
  inputSchema: defineInput({}),
  run: (_args, ctx) => {
    const json = listSessionsReport(ctx.io, {});
    const head = json.sessions.slice(0, 5).map((s) => `${String(s.session_id)} ${String(s.status)}`);
    return {
      json,
      summary: `${json.sessions.length} session(s)${head.length ? `; newest: ${head.join(', ')}` : ''}`,
    };
  },
};

/** A session id (`run_<digits>` or the number) names logs/run_<n>; anything else is a path to confine. */
function resolveSessionRef(ctx: ToolContext, ref: string): string {
  const id = /^(?:run_)?(\d+)$/.exec(ref);
  return confinePath(ctx.root, id ? join(ctx.root, 'logs', `run_${id[1]}`) : ref, 'session');
}

const logsShow: McpTool = {
  name: 'osiris_logs_show',
  description:
    "One session's status.json and per-step summary (default: the newest session). Same as `osiris logs show SESSION --json` / `osiris logs last --json`.",
  inputSchema: defineInput({
    session: { type: 'string', description: 'run_<id>, its number, or a session directory in the project' },
  }),
  run: (args, ctx) => {
    const ref = args.session === undefined ? undefined : resolveSessionRef(ctx, args.session as string);
    const json = showSessionReport(ctx.io, {}, ref);
    const st = json.status;
    const summary = st
      ? `${json.session_id}: ${st.ok ? 'success' : `failed [${st.error?.code ?? '?'}]`}, ${st.steps_completed}/${st.steps_total} steps, ${st.rows_read} read, ${st.rows_written} written`
      : `${json.session_id}: no status.json (running, incomplete or corrupt)`;
    return { json, summary };
  },
};

/** The read-only tools. */
export const INSPECT_TOOLS: readonly McpTool[] = [
  connectionsList,
  connectionsDoctor,
  discover,
  componentsList,
  componentShow,
  logsList,
  logsShow,
];
