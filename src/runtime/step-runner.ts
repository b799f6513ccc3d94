import type {
  IncrementalStart,
  Manifest,
  ManifestStep,
  ParsedStepConfig,
  PendingState,
  StepOutcome,
} from '../core/index.js';
import { OsirisError, createPendingState, mapStepAncestors, readIncrementalSpec } from '../core/index.js';
import { createDeferredDataPlane } from './data-plane/index.js';
import type { DuckDbDataPlane, DuckDbDataPlaneOptions, RunDataPlane } from './data-plane/index.js';
import type { StepHost } from './execute-step.js';
import { executeStep } from './execute-step.js';
import { listPassThroughSources } from './list-pass-through-sources.js';
import { registerDrivers } from './register-drivers.js';
import { renderStoppedBy } from './stopped-by.js';

/** Loads the DuckDB data plane module (the worker passes one that reuses its prefetch). */
export type DuckDbModuleLoader = () => Promise<{
  createDuckDbDataPlane(options: DuckDbDataPlaneOptions): Promise<DuckDbDataPlane>;
}>;

/** Data-plane settings of a run. */
export interface DataPlaneSettings {
  /** DuckDB memory limit, e.g. `1GB`. */
  memoryLimit: string;
  /** DuckDB threads. */
  threads: number;
  /** Directories a step's SQL may touch (sandbox runs only). */
  confineTo?: readonly string[];
}

/**
 * The one step host: the local adapter and the sandbox worker both run their steps through it.
 * prepare registers the manifest's drivers and opens the deferred data plane; run executes one step;
 * close releases the data plane (idempotent).
 */
export interface StepRunner {
  /**
   * Check and announce the drivers, open the data plane; returns the drivers the manifest uses. `starts`:
   * where each incremental extractor starts (from the host's state read). `streams`: extractor → the
   * writer that reads its rows while it extracts them (runtime/run-step-sequence.ts, listStreamPairs).
   */
  prepare(
    manifest: Manifest,
    settings: DataPlaneSettings,
    starts?: ReadonlyMap<string, IncrementalStart>,
    streams?: ReadonlyMap<string, string>,
  ): Promise<string[]>;
  /** Execute one step (an incremental extractor from `start` when given); step failures resolve with ok=false. */
  run(
    step: ManifestStep,
    config: ParsedStepConfig,
    inputs: Record<string, string>,
    signal: AbortSignal,
    start?: IncrementalStart,
  ): Promise<StepOutcome>;
  /** Cancel the data-plane statement running now (Ctrl-C, timeout). */
  interrupt(): void;
  /** Close the data plane. */
  close(): Promise<void>;
}

const loadDuckDbModule: DuckDbModuleLoader = () => import('./data-plane/duckdb-data-plane.js');

/** A step runner on `host`; DuckDB's module loads through `load` when a step first needs it. */
export function createStepRunner(host: StepHost, load: DuckDbModuleLoader = loadDuckDbModule): StepRunner {
  let dataPlane: RunDataPlane | undefined;
  let incremental: ReturnType<typeof createIncrementalTracker> | undefined;
  const streaming = createStreamTracker();
  return {
    async prepare(manifest, settings, starts, streams) {
      incremental = createIncrementalTracker(manifest, starts ?? new Map());
      const used = registerDrivers(manifest, host.drivers, host.sink);
      // DuckDB's native addon loads when a step first needs it (never, for a run that only hands
      // extracted files to writers, nor for commands that run nothing)
      dataPlane = await createDeferredDataPlane({ workDir: host.workDir, ...settings }, async (options) =>
        (await load()).createDuckDbDataPlane(options),
      );
      // announced before any step starts: the writer may ask for the rows before its extractor runs
      for (const producer of streams?.keys() ?? []) dataPlane.expectOutput(producer);
      for (const source of listPassThroughSources(manifest, host.drivers)) dataPlane.allowPassThrough(source);
      streaming.bind(streams ?? new Map(), dataPlane);
      return used;
    },
    async run(step, config, inputs, signal, start) {
      if (!dataPlane)
        throw new OsirisError('internal', `step ${step.id} run before the step host was prepared`);
      const spec = readIncrementalSpec(config.config);
      const supportsState = host.drivers.get(step.driver)?.openStateStore !== undefined;
      const outcome = await executeStep({
        host,
        dataPlane,
        step,
        config,
        inputs,
        signal: streaming.signalOf(step.id, signal),
        ...(streaming.isPaired(step.id) ? { handover: 'streamed' as const } : {}),
        ...(spec ? { incremental: start ?? incremental?.startOf(step.id) ?? { after: [] } } : {}),
        ...(step.mode === 'write' && supportsState ? { pendingStates: incremental?.pendingFor(step) } : {}),
      });
      if (spec && outcome.ok) incremental?.record(step.id, spec, outcome);
      streaming.finished(step.id, outcome);
      return outcome;
    },
    interrupt() {
      dataPlane?.interrupt();
    },
    async close() {
      const plane = dataPlane;
      dataPlane = undefined;
      await plane?.close();
    },
  };
}

/**
 * The streamed pairs of a run: an extractor runs under a signal of its own, aborted when its writer
 * fails (so it stops at once and fails too, nothing half-written is kept); when it finishes, its coming
 * output settles (a failure fails the writer reading it).
 */
function createStreamTracker() {
  let pairs: ReadonlyMap<string, string> = new Map();
  let plane: RunDataPlane | undefined;
  const producerOf = new Map<string, string>();
  const stoppers = new Map<string, AbortController>();
  return {
    bind(streams: ReadonlyMap<string, string>, dataPlane: RunDataPlane): void {
      pairs = streams;
      plane = dataPlane;
      for (const [producer, consumer] of streams) producerOf.set(consumer, producer);
    },
    isPaired: (stepId: string): boolean => pairs.has(stepId) || producerOf.has(stepId),
    signalOf(stepId: string, signal: AbortSignal): AbortSignal {
      if (!pairs.has(stepId)) return signal;
      const stopper = new AbortController();
      stoppers.set(stepId, stopper);
      return AbortSignal.any([signal, stopper.signal]);
    },
    finished(stepId: string, outcome: StepOutcome): void {
      if (pairs.has(stepId)) {
        stoppers.delete(stepId);
        plane?.settleOutput(stepId, outcome.ok ? undefined : new Error(outcome.error?.message ?? 'failed'));
      }
      const producer = producerOf.get(stepId);
      if (producer === undefined || outcome.ok) return;
      const error = outcome.error;
      const reason = new OsirisError(
        (error?.code ?? 'internal') as OsirisError['code'],
        renderStoppedBy(stepId, error?.message ?? 'failed'),
      );
      plane?.stopOutput(producer, reason);
      stoppers.get(producer)?.abort(reason);
    },
  };
}

/**
 * What a run's incremental extractors read, for the writers after them: a writer stores the boundary of
 * every incremental extractor among its ancestors that read at least one row (nothing read: the stored
 * boundaries stay as they are).
 */
function createIncrementalTracker(manifest: Manifest, starts: ReadonlyMap<string, IncrementalStart>) {
  const read = new Map<string, PendingState>();
  let ancestors: Map<string, Set<string>> | undefined;
  return {
    startOf: (stepId: string): IncrementalStart => starts.get(stepId) ?? { after: [] },
    record(stepId: string, spec: { cursor: string; primaryKey: string[] }, outcome: StepOutcome): void {
      // nothing read (an empty chunk): the writers after it keep their stored boundary
      const pending = createPendingState(stepId, spec, outcome);
      if (pending) read.set(stepId, pending);
      else read.delete(stepId);
    },
    pendingFor(step: ManifestStep): { pipelineId: string; states: PendingState[] } | undefined {
      if (read.size === 0) return undefined;
      // computed once an incremental extractor has read: a long chain without one never pays for it
      ancestors ??= mapStepAncestors(manifest.steps);
      const up = ancestors.get(step.id) ?? new Set<string>();
      const states = [...read.values()].filter((s) => up.has(s.extractorStep));
      return states.length > 0 ? { pipelineId: manifest.pipeline.id, states } : undefined;
    },
  };
}
