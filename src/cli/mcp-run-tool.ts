// `osiris_run`: a pipeline run through the CLI's own run settings (readRunSettings: the same option
// checks, adapter choice and sandbox setup as `osiris run`) and runPipeline; never a spawned CLI.
import { confineRelative } from './mcp-confine.js';
import type { McpTool, ToolContext } from './mcp-tool-kit.js';
import { PARAMS_SCHEMA, defineInput, toFlagText, toParamFlags } from './mcp-tool-kit.js';
import type { RunOptions } from './run-command.js';
import { renderRunJson } from './print-run-summary.js';
import { loadPlan, readRunSettings, runRetryingLost } from './run-command.js';

/** An agent waits on the call: a run is bounded by default, shorter than the CLI's 600 s. */
const DEFAULT_RUN_TIMEOUT_SECONDS = 300;

/** The tool's arguments as `osiris run`'s option object (numbers as flag text, like commander). */
function toRunOptions(args: Record<string, unknown>): RunOptions {
  return {
    param: toParamFlags(args.params),
    profile: typeof args.profile === 'string' ? args.profile : 'default',
    timeout: toFlagText(args.timeout_seconds, String(DEFAULT_RUN_TIMEOUT_SECONDS)),
    memoryLimit: typeof args.memory_limit === 'string' ? args.memory_limit : '1GB',
    threads: toFlagText(args.threads, '2'),
    concurrency: toFlagText(args.concurrency, '4'),
    fullRefresh: args.full_refresh === true,
    retryLost: args.retry_lost === true,
    cpu: '2',
    memoryMb: '2048',
    ...(typeof args.sandbox === 'string' ? { sandbox: args.sandbox } : {}),
    json: true,
  };
}

async function runOnce(file: string, opts: RunOptions, ctx: ToolContext): Promise<Record<string, unknown>> {
  const { io, drivers, signal } = ctx;
  const { settings, sandboxes } = await readRunSettings(opts, io, drivers, signal);
  try {
    const plan = loadPlan(file, opts, io, drivers);
    const { result, lost } = await runRetryingLost({ ...settings, plan }, sandboxes, opts);
    return renderRunJson(io, result, lost);
  } finally {
    await sandboxes?.close();
  }
}

/** `osiris_run`. */
export const runPipelineTool: McpTool = {
  name: 'osiris_run',
  description:
    'Run a pipeline of the project (OML, compiled first, or a manifest.yaml) locally in process, or in a sandbox (`sandbox: "local"`: a child process in a fresh directory; `"e2b"`: an E2B sandbox, needs E2B_API_KEY), bounded by `timeout_seconds` (default 300). Returns the session\'s status.json plus session_dir, as `osiris run --json`; a failed run is a result with ok: false, not a tool error.',
  inputSchema: defineInput(
    {
      path: { type: 'string', description: 'OML pipeline file or manifest.yaml, project-relative' },
      params: PARAMS_SCHEMA,
      sandbox: { enum: ['local', 'e2b'], description: 'run the steps in a sandbox (default: in process)' },
      timeout_seconds: {
        type: 'number',
        minimum: 0,
        description: `abort after this long (default ${DEFAULT_RUN_TIMEOUT_SECONDS}; 0 = none)`,
      },
      full_refresh: { type: 'boolean', description: 'incremental extractors read everything again' },
      concurrency: { type: 'integer', minimum: 1, description: 'steps at once (default 4)' },
      threads: { type: 'integer', minimum: 1, description: 'DuckDB threads (default 2)' },
      memory_limit: { type: 'string', description: 'DuckDB memory limit, e.g. 1GB (default)' },
      retry_lost: { type: 'boolean', description: 'with a sandbox: run once more if the sandbox was lost' },
      profile: { type: 'string', description: 'profile recorded in the manifest (default "default")' },
    },
    ['path'],
  ),
  run: async (args, ctx) => {
    const file = confineRelative(ctx.root, args.path);
    const json = await runOnce(file, toRunOptions(args), ctx);
    const st = json as { ok: boolean; pipeline_id: string; steps_completed: number; steps_total: number };
    const error = json.error as { code: string; message: string } | undefined;
    const summary = st.ok
      ? `✓ ${st.pipeline_id}: ${st.steps_completed}/${st.steps_total} steps, ${String(json.rows_read)} rows read, ${String(json.rows_written)} written; session ${String(json.session_dir)}`
      : `✗ ${st.pipeline_id}: failed${json.failed_step ? ` at step ${String(json.failed_step)}` : ''} [${error?.code ?? '?'}]: ${error?.message ?? ''}; session ${String(json.session_dir)}`;
    return { json, summary };
  },
};
