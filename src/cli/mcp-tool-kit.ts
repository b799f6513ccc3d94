// What every MCP tool is made of: a name, an input JSON Schema, and a function returning the same JSON
// object as the matching `osiris … --json` command plus a one-line summary for the agent's transcript.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { DriverTable } from '../index.js';
import { OsirisError } from '../index.js';
import type { CliIo } from './cli-io.js';

/** What a tool call works with: the project (real path), an io whose cwd and project are that project. */
export interface ToolContext {
  /** The project directory, a real path: every path argument is confined to it. */
  root: string;
  /** cwd = projectDir = root; stdout never used (stdout carries the protocol). */
  io: CliIo;
  drivers: DriverTable;
  /** Aborted when the server stops or the client cancels the call. */
  signal: AbortSignal;
}

/** A tool's answer: the CLI's JSON object and a short text summary. */
export interface ToolAnswer {
  json: Record<string, unknown>;
  summary: string;
}

/** One MCP tool. */
export interface McpTool {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolAnswer> | ToolAnswer;
}

/** `params`: a map of OML parameter values (strings, as `--param k=v` gives them). */
export const PARAMS_SCHEMA = {
  type: 'object',
  description: 'OML parameter values, as `--param NAME=VALUE` would give them',
  additionalProperties: { type: 'string' },
} as const;

/** An input schema that refuses unknown keys (a typo must not be silently ignored). */
export function defineInput(
  properties: Record<string, unknown>,
  required: string[] = [],
): McpTool['inputSchema'] {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  } as McpTool['inputSchema'];
}

/** Checks a call's arguments against the tool's schema; compiled once per tool. */
export function createArgumentChecker(
  tools: readonly McpTool[],
): (tool: McpTool, args: unknown) => Record<string, unknown> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const checks = new Map<string, ValidateFunction>(tools.map((t) => [t.name, ajv.compile(t.inputSchema)]));
  return (tool, args) => {
    const value = args ?? {};
    const check = checks.get(tool.name);
    if (check && !check(value)) {
      const problems = (check.errors ?? []).map((e) => {
        const where = e.instancePath === '' ? 'arguments' : `argument ${e.instancePath.slice(1)}`;
        const extra =
          e.keyword === 'additionalProperties'
            ? ` '${String((e.params as { additionalProperty: string }).additionalProperty)}'`
            : '';
        return `${where} ${e.message ?? 'invalid'}${extra}`;
      });
      throw new OsirisError('usage', `${tool.name}: ${problems.join('; ')}`);
    }
    return value as Record<string, unknown>;
  };
}

/** `{a: '1'}` → `['a=1']`, the shape of repeated `--param` flags. */
export function toParamFlags(params: unknown): string[] {
  if (params === undefined) return [];
  return Object.entries(params as Record<string, string>).map(([k, v]) => `${k}=${v}`);
}

/** A number argument as the CLI flag text it replaces (the CLI's own parsing then checks it). */
export function toFlagText(value: unknown, fallback: string): string {
  return value === undefined ? fallback : String(value);
}

/** An unknown tool name is a usage error naming the known ones (a typo must not go unexplained). */
export function refuseUnknownTool(name: string, known: readonly McpTool[]): never {
  throw new OsirisError('usage', `unknown tool '${name}' (known: ${known.map((t) => t.name).join(', ')})`);
}
