// MCP tools that write or run pipelines: the OML schema, validate, save, compile and run. Validate and
// compile return what `osiris validate|compile --json` print (same functions); run returns what
// `osiris run --json` prints, through the CLI's own run settings and runPipeline (never a spawned CLI).
import { writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Diagnostic, DriverTable } from '../index.js';
import {
  CompileError,
  formatDiagnostic,
  makeDirectory,
  OML_VERSION,
  OsirisError,
  readPipelineFile,
  STEP_MODES,
} from '../index.js';
import { parseKeyValues } from './cli-io.js';
import { confinePath, confineRelative } from './mcp-confine.js';
import { readOmlReference } from './mcp-resources.js';
import { runPipelineTool } from './mcp-run-tool.js';
import type { McpTool, ToolContext } from './mcp-tool-kit.js';
import { PARAMS_SCHEMA, defineInput, toParamFlags } from './mcp-tool-kit.js';
import { compileReport, validateOmlReport } from './pipeline-commands.js';

/** The OML document's shape as JSON Schema; the compiler stays the authority (osiris_oml_validate). */
function buildOmlSchema(drivers: DriverTable): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `OML ${OML_VERSION}`,
    $comment:
      'Shape only: config is checked against the component config schemas after ${params.NAME} substitution; osiris_oml_validate runs every compile check.',
    type: 'object',
    required: ['oml_version', 'name', 'steps'],
    additionalProperties: false,
    properties: {
      oml_version: { const: OML_VERSION },
      name: { type: 'string', minLength: 1, description: 'pipeline name; its slug is the pipeline id' },
      description: { type: 'string' },
      metadata: { type: 'object' },
      params: { type: 'object', description: 'NAME: value, or NAME: {default, description}' },
      steps: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['id', 'component', 'mode'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 60 },
            component: { enum: [...drivers.keys()].sort() },
            mode: { enum: [...STEP_MODES] },
            needs: { type: 'array', items: { type: 'string' } },
            config: { type: 'object' },
          },
        },
      },
    },
  };
}

const omlSchema: McpTool = {
  name: 'osiris_oml_schema',
  description:
    "How to write OML: the document's JSON Schema, each component's modes and config JSON Schema, and the OML reference (docs/oml-reference.md, also the resource osiris://docs/oml-reference).",
  inputSchema: defineInput({}),
  run: (_args, ctx) => {
    const reference = readOmlReference(ctx.io.installDir);
    const specs = [...ctx.drivers.values()].map((m) => m.spec).sort((a, b) => a.name.localeCompare(b.name));
    const components = specs.map((s) => ({
      name: s.name,
      modes: s.modes,
      connection_families: s.connectionFamilies,
      config_schema: s.configSchema,
    }));
    return {
      json: {
        ok: true,
        oml_version: OML_VERSION,
        schema: buildOmlSchema(ctx.drivers),
        components,
        reference,
      },
      summary: `OML ${OML_VERSION}: ${components.length} components; reference ${reference === null ? 'not installed' : 'included'}`,
    };
  },
};

/** The OML text of a call: `text` as given, else the file at `path` (bytes, as `osiris validate` reads them). */
function readOmlArgument(
  ctx: ToolContext,
  args: Record<string, unknown>,
): { text: string | Uint8Array; file: string } {
  const path = args.path === undefined ? undefined : confinePath(ctx.root, args.path);
  const file = path === undefined ? 'pipeline.yaml' : relative(ctx.root, path);
  if (typeof args.text === 'string') return { text: args.text, file };
  if (path === undefined)
    throw new OsirisError('usage', 'give the OML as `text`, or a pipeline file as `path`');
  return { text: readPipelineFile(path, file), file };
}

function summarizeFindings(file: string, diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return `${file}: valid`;
  return `${file}: ${diagnostics.length} finding(s)\n${diagnostics.map(formatDiagnostic).join('\n')}`;
}

const omlValidate: McpTool = {
  name: 'osiris_oml_validate',
  description:
    "Run every compile check on OML `text` (or the project's pipeline file `path`) without writing anything: diagnostics with file:line:col, step path and message. Same as `osiris validate --json`.",
  inputSchema: defineInput({
    text: { type: 'string', description: 'OML (YAML) text; `path` then only labels the positions' },
    path: { type: 'string', description: 'a pipeline file in the project (read when `text` is absent)' },
    params: PARAMS_SCHEMA,
  }),
  run: (args, ctx) => {
    const { text, file } = readOmlArgument(ctx, args);
    const params = parseKeyValues(toParamFlags(args.params), 'params');
    const json = validateOmlReport(ctx.drivers, ctx.io.env, { text, file, params });
    return { json, summary: summarizeFindings(file, json.diagnostics) };
  },
};

const omlSave: McpTool = {
  name: 'osiris_oml_save',
  description:
    'Write a pipeline file (.yaml/.yml) in the project, only if the OML validates (else the positioned diagnostics, nothing written); an existing file is replaced only with `overwrite: true`.',
  inputSchema: defineInput(
    {
      path: {
        type: 'string',
        pattern: '\\.ya?ml$',
        description: 'project-relative, e.g. pipelines/movies.yaml',
      },
      text: { type: 'string', description: 'the OML (YAML) text' },
      overwrite: { type: 'boolean', description: 'replace an existing file (default false)' },
      params: PARAMS_SCHEMA,
    },
    ['path', 'text'],
  ),
  run: (args, ctx) => {
    const path = confinePath(ctx.root, args.path);
    const file = relative(ctx.root, path);
    const text = args.text as string;
    const params = parseKeyValues(toParamFlags(args.params), 'params');
    const report = validateOmlReport(ctx.drivers, ctx.io.env, { text, file, params });
    if (!report.ok) throw new CompileError('oml_invalid', report.diagnostics);
    try {
      makeDirectory(dirname(path));
      // 'wx' refuses an existing file atomically (no check-then-write race)
      writeFileSync(path, text, { flag: args.overwrite === true ? 'w' : 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new OsirisError('usage', `${file} exists: pass overwrite: true to replace it`);
      throw new OsirisError('io_error', `cannot write ${file}: ${code ?? String(error)}`);
    }
    const bytes = Buffer.byteLength(text);
    return {
      json: { ok: true, file, bytes, diagnostics: [] },
      summary: `saved ${file} (${bytes} bytes, valid)`,
    };
  },
};

const compile: McpTool = {
  name: 'osiris_compile',
  description:
    'Compile a pipeline file of the project into build/<pipeline_id>/<short>/ (manifest.yaml + cfg/*.json, deterministic, secret-free) and record .osiris/last_compile.json. Same as `osiris compile --json`.',
  inputSchema: defineInput(
    {
      path: { type: 'string', description: 'the OML pipeline file, project-relative' },
      params: PARAMS_SCHEMA,
      profile: { type: 'string', description: 'profile recorded in the manifest (default "default")' },
    },
    ['path'],
  ),
  run: (args, ctx) => {
    const file = confineRelative(ctx.root, args.path);
    const json = compileReport(ctx.io, ctx.drivers, file, {
      params: parseKeyValues(toParamFlags(args.params), 'params'),
      profile: typeof args.profile === 'string' ? args.profile : 'default',
    });
    return {
      json,
      summary: `compiled ${json.pipeline_id}: ${json.steps} steps -> ${json.manifest_path} (manifest_fp ${json.fingerprints.manifest_fp})`,
    };
  },
};

/** The tools that write or run pipelines. */
export const PIPELINE_TOOLS: readonly McpTool[] = [omlSchema, omlValidate, omlSave, compile, runPipelineTool];
