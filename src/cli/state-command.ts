import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DriverTable, StateEntry } from '../index.js';
import { readPipelineState, resetPipelineState } from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { collectOption, printJson } from './cli-io.js';
import { loadPlan } from './run-command.js';

interface StateOptions {
  param?: string[];
  profile: string;
  connections?: string;
  json?: boolean;
}

/**
 * `[pipeline] [step]`: an argument ending in .yaml/.yml is the pipeline (OML or manifest.yaml); without
 * one, the last `osiris compile` of the project is used and a single argument is the step.
 */
function readTargets(args: (string | undefined)[]): { file: string | undefined; step: string | undefined } {
  const given = args.filter((a): a is string => a !== undefined);
  const first = given[0];
  if (first !== undefined && /\.ya?ml$/i.test(first)) return { file: first, step: given[1] };
  return { file: undefined, step: first };
}

function loadStateOptions(io: CliIo, drivers: DriverTable, args: (string | undefined)[], opts: StateOptions) {
  const { file, step } = readTargets(args);
  const plan = loadPlan(file, { ...opts, lastCompile: file === undefined }, io, drivers);
  return {
    plan,
    drivers,
    env: io.env,
    ...(opts.connections ? { connectionsFile: resolve(io.cwd, opts.connections) } : {}),
    ...(step === undefined ? {} : { step }),
  };
}

function renderEntry(e: StateEntry, full: boolean): string {
  const boundary = e.boundary
    ? `after (${[e.boundary.cursor, ...e.boundary.key].join(', ')})`
    : 'no state: the next run starts from `initial` or the beginning';
  const head = `${e.extractor} → ${e.writer}  [${e.store}]  ${boundary}`;
  if (!full) return `${head}\n`;
  return (
    `${head}\n  cursor: ${e.cursor}\n  primary_key: [${e.primary_key.join(', ')}]\n` +
    `  rows read by that run: ${e.rows ?? '-'}\n  committed at: ${e.committed_at ?? '-'}\n`
  );
}

/** A `state` subcommand: `[pipeline] [step]` and the plan options. */
function addStateCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument('[pipeline]', 'OML pipeline or manifest.yaml (default: the last `osiris compile`)')
    .argument('[step]', 'only the pairs of this extractor or writer')
    .option('--param <k=v>', 'parameter value (repeatable)', collectOption, [])
    .option('--profile <name>', 'profile recorded in the manifest', 'default')
    .option(
      '--connections <file>',
      'connections file (default: $OSIRIS_CONNECTIONS, else osiris_connections.yaml in the project directory)',
    )
    .option('--json', 'print one JSON object');
}

/** `osiris state list|show|reset`: the stored boundaries of incremental extractors (docs/incremental.md). */
export function registerStateCommands(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  act: ActionWrapper,
): void {
  const state = program
    .command('state')
    .description('incremental state: where each incremental extractor starts next, per writer');
  const listing = (full: boolean) =>
    act(async (pipeline: string | undefined, step: string | undefined, opts: StateOptions) => {
      const options = loadStateOptions(io, drivers, [pipeline, step], opts);
      const entries = await readPipelineState(options);
      if (opts.json) printJson(io, { pipeline_id: options.plan.manifest.pipeline.id, state: entries });
      else if (entries.length === 0) io.stdout.write('no incremental extractor in this pipeline\n');
      else for (const e of entries) io.stdout.write(renderEntry(e, full));
      return 0;
    });
  addStateCommand(state, 'list', 'one line per incremental extractor and writer: the stored boundary').action(
    listing(false),
  );
  addStateCommand(state, 'show', 'the stored state in full (cursor, key, rows, time)').action(listing(true));
  addStateCommand(
    state,
    'reset',
    'delete the stored state, so the next run reads from `initial` (append writers then get every row again)',
  ).action(
    act(async (pipeline: string | undefined, step: string | undefined, opts: StateOptions) => {
      const removed = await resetPipelineState(loadStateOptions(io, drivers, [pipeline, step], opts));
      if (opts.json) printJson(io, { reset: removed });
      else
        for (const r of removed)
          io.stdout.write(`${r.extractor} → ${r.writer}  [${r.store}]  ${r.removed} record(s) removed\n`);
      return 0;
    }),
  );
}
