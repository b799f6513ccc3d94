// `osiris mcp`: an MCP server on stdio (the official SDK) whose tools are the CLI's --json commands.
// Loaded only by the `mcp` command's action (see mcp-command.ts), so no other command pays for the SDK.
import { realpathSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { DriverTable, Masker } from '../index.js';
import {
  CompileError,
  OSIRIS_VERSION,
  OsirisError,
  createMasker,
  describeError,
  exitCodeFor,
} from '../index.js';
import type { CliIo } from './cli-io.js';
import { loadIoConnections, resolveIoProject } from './cli-io.js';
import { listTransportSecrets } from './execution-target.js';
import { listResources, readResource } from './mcp-resources.js';
import type { McpTool, ToolContext } from './mcp-tool-kit.js';
import { createArgumentChecker, refuseUnknownTool } from './mcp-tool-kit.js';
import { INSPECT_TOOLS } from './mcp-tools-inspect.js';
import { PIPELINE_TOOLS } from './mcp-tools-pipeline.js';

const INSTRUCTIONS = `Osiris compiles and runs data pipelines written in OML (YAML). Work inside this project only.
Typical flow: osiris_connections_list / osiris_discover (what is in a source) -> osiris_oml_schema and
osiris_component_show (how to write steps) -> osiris_oml_validate -> osiris_oml_save -> osiris_compile ->
osiris_run -> osiris_logs_show. Paths are relative to the project directory. Secrets are always masked.`;

/** Every secret a tool result could carry: the project's connections (those that resolve) and the E2B key. */
function createProjectMasker(io: CliIo): Masker {
  const secrets = [...listTransportSecrets(io.env)];
  try {
    const registry = loadIoConnections(io, undefined);
    for (const c of registry.list()) {
      try {
        secrets.push(...registry.resolve(c.family, c.alias).secrets);
      } catch {
        // an unresolvable connection (unset variable, bad DSN) has no secret value to leak
      }
    }
  } catch {
    // no readable connections file: only the transport secrets
  }
  return createMasker(secrets);
}

/** A deep copy with every string (keys too) masked; structure and non-strings unchanged. */
function maskDeep(value: unknown, mask: Masker): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(copy, mask(k), { value: maskDeep(v, mask), enumerable: true, writable: true });
  return copy;
}

/** A failed call as an MCP tool error: the Osiris code and positioned message, like `--json` errors. */
function describeToolError(error: unknown, mask: Masker): CallToolResult {
  const d = describeError(error);
  const json = {
    ok: false,
    error: { code: d.code, message: d.message },
    exit_code: exitCodeFor(error),
    ...(error instanceof CompileError ? { diagnostics: error.diagnostics } : {}),
  };
  return {
    isError: true,
    content: [{ type: 'text', text: mask(`error [${d.code}]: ${d.message}`) }],
    structuredContent: maskDeep(json, mask) as Record<string, unknown>,
  };
}

async function callTool(
  tools: readonly McpTool[],
  check: ReturnType<typeof createArgumentChecker>,
  request: { name: string; arguments?: unknown },
  ctx: ToolContext,
): Promise<CallToolResult> {
  const mask = createProjectMasker(ctx.io);
  try {
    const tool = tools.find((t) => t.name === request.name) ?? refuseUnknownTool(request.name, tools);
    const answer = await tool.run(check(tool, request.arguments), ctx);
    return {
      content: [{ type: 'text', text: mask(answer.summary) }],
      structuredContent: maskDeep(answer.json, mask) as Record<string, unknown>,
    };
  } catch (error) {
    return describeToolError(error, mask);
  }
}

/** The client's cancellation as the abort a run expects (reason: an `interrupted` OsirisError, like Ctrl-C). */
function toInterruption(cancel: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (): void =>
    controller.abort(new OsirisError('interrupted', 'the MCP client cancelled the call'));
  if (cancel.aborted) abort();
  else cancel.addEventListener('abort', abort, { once: true });
  return controller.signal;
}

function registerHandlers(server: Server, io: CliIo, drivers: DriverTable, stop: AbortSignal): void {
  const tools = [...INSPECT_TOOLS, ...PIPELINE_TOOLS];
  const check = createArgumentChecker(tools);
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(tools, check, request.params, {
      root: io.cwd,
      io,
      drivers,
      signal: AbortSignal.any([stop, toInterruption(extra.signal)]),
    }),
  );
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: listResources(drivers, io.installDir),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const { uri } = request.params;
    try {
      return {
        contents: [{ uri, mimeType: 'text/markdown', text: readResource(uri, drivers, io.installDir) }],
      };
    } catch (error) {
      throw new McpError(ErrorCode.InvalidParams, createProjectMasker(io)(describeError(error).message));
    }
  });
}

/** Serve MCP on stdin/stdout until the client closes stdin or the process is interrupted; returns the exit code. */
export async function serveMcp(baseIo: CliIo, drivers: DriverTable, signal: AbortSignal): Promise<number> {
  const root = realpathSync(resolveIoProject(baseIo).root);
  // stdout carries the protocol: a stray write (a library's console.log) would corrupt it
  const io: CliIo = { ...baseIo, stdout: baseIo.stderr, cwd: root, projectDir: root };
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const stop = new AbortController();
  const server = new Server(
    { name: 'osiris', version: OSIRIS_VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerHandlers(server, io, drivers, stop.signal);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  const close = (): void => {
    stop.abort(new OsirisError('interrupted', 'the MCP server is closing'));
    void server.close();
  };
  signal.addEventListener('abort', close, { once: true });
  process.stdin.once('end', close);
  await server.connect(new StdioServerTransport());
  io.stderr.write(`osiris mcp: serving ${root} on stdio\n`);
  await closed;
  return 0;
}
