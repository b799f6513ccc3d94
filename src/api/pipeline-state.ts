import { loadConnections } from '../connections/index.js';
import type { DriverTable, StateLink } from '../core/index.js';
import { OsirisError, createMasker, describeError, encodeBoundary } from '../core/index.js';
import { openStateStores, parseStepConfigs } from '../runtime/index.js';
import type { CompiledPipeline } from './compile-pipeline.js';
import { resolveRunConnections } from './resolve-run-connections.js';

/** What `osiris state` works on. */
export interface PipelineStateOptions {
  /** The compiled plan. */
  plan: CompiledPipeline;
  /** Bound drivers. */
  drivers: DriverTable;
  /** Environment for connections. */
  env: Record<string, string | undefined>;
  /** `--connections FILE` (absolute, or relative to the project root). */
  connectionsFile?: string;
  /** Only the pairs this step is the extractor or the writer of. */
  step?: string;
}

/** The state of one (incremental extractor, writer) pair, as `osiris state` prints it. */
export interface StateEntry {
  /** Pipeline id. */
  pipeline_id: string;
  /** Extractor step. */
  extractor: string;
  /** Writer step. */
  writer: string;
  /** Where the writer keeps it (`schema.osiris_state`, `.osiris/state`). */
  store: string;
  /** Cursor column of the step. */
  cursor: string;
  /** Primary key columns of the step. */
  primary_key: string[];
  /** The stored boundary, or null when the writer has none (the next run starts from `initial`). */
  boundary: { cursor: string; key: string[] } | null;
  /** Rows read by the run that stored it. */
  rows: number | null;
  /** When it was stored. */
  committed_at: string | null;
}

/** Open the plan's state stores with its connections; `act` runs with them and they are closed after. */
async function withStores<T>(
  options: PipelineStateOptions,
  act: (links: StateLink[], state: ReturnType<typeof openStateStores>) => Promise<T>,
): Promise<T> {
  const { plan, drivers } = options;
  const stepConfigs = parseStepConfigs(plan.cfgTexts);
  const registry = loadConnections({
    file: options.connectionsFile,
    root: plan.projectRoot,
    env: options.env,
  });
  const connections = resolveRunConnections(plan.manifest, stepConfigs, drivers, (family, alias) =>
    registry.resolve(family, alias),
  );
  const mask = createMasker(connections.secrets);
  const state = openStateStores({
    manifest: plan.manifest,
    stepConfigs,
    drivers,
    connections: connections.lookup,
    projectDir: plan.projectDir,
  });
  const links = selectLinks(state.links, options.step, plan.manifest.pipeline.id);
  try {
    return await act(links, state);
  } catch (error) {
    const d = describeError(error);
    throw new OsirisError(d.code, mask(d.message));
  } finally {
    await state.close();
  }
}

function selectLinks(links: StateLink[], step: string | undefined, pipelineId: string): StateLink[] {
  if (step === undefined) return links;
  const chosen = links.filter((l) => l.extractorStep === step || l.writerStep === step);
  if (chosen.length > 0) return chosen;
  const steps = [...new Set(links.flatMap((l) => [l.extractorStep, l.writerStep]))];
  throw new OsirisError(
    'usage',
    `step '${step}' is neither an incremental extractor nor a writer after one in pipeline ${pipelineId}` +
      (steps.length > 0 ? ` (steps with state: ${steps.join(', ')})` : ' (it has no incremental step)'),
  );
}

/** The stored state of every (incremental extractor, writer) pair of a plan, in manifest order. */
export function readPipelineState(options: PipelineStateOptions): Promise<StateEntry[]> {
  return withStores(options, async (links, state) => {
    const entries: StateEntry[] = [];
    for (const link of links) {
      const record = await state.read(link);
      entries.push({
        pipeline_id: options.plan.manifest.pipeline.id,
        extractor: link.extractorStep,
        writer: link.writerStep,
        store: state.storeOf(link.writerStep).location,
        cursor: record?.cursor ?? link.spec.cursor,
        primary_key: record?.primaryKey ?? link.spec.primaryKey,
        boundary: encodeBoundary(record?.boundary),
        rows: record?.rows ?? null,
        committed_at: record?.committedAt ?? null,
      });
    }
    return entries;
  });
}

/** Delete the stored state of a plan's pairs (of one step's); returns each pair with the records removed. */
export function resetPipelineState(
  options: PipelineStateOptions,
): Promise<{ extractor: string; writer: string; store: string; removed: number }[]> {
  return withStores(options, async (links, state) => {
    const removed = [];
    for (const link of links) {
      const store = state.storeOf(link.writerStep);
      const key = {
        pipelineId: options.plan.manifest.pipeline.id,
        extractorStep: link.extractorStep,
        writerStep: link.writerStep,
      };
      removed.push({
        extractor: link.extractorStep,
        writer: link.writerStep,
        store: store.location,
        removed: await store.reset(key),
      });
    }
    return removed;
  });
}
