import type {
  DriverTable,
  ExecutionAdapter,
  IncrementalStart,
  ManifestStep,
  PendingState,
  PreparedRun,
  StepOutcome,
} from '../core/index.js';
import { createPendingState, listStepInputs, readIncrementalSpec } from '../core/index.js';
import { isStoppedBy } from './stopped-by.js';

/** What the steps of a run came to so far. */
export interface SequenceTally {
  /** Steps that succeeded (each counted once, however many chunks it ran). */
  completed: number;
  /** Rows read, over every execution. */
  rowsRead: number;
  /** Rows written, over every execution. */
  rowsWritten: number;
  /** The step that failed. */
  failedStep: string | undefined;
  /** Its error. */
  error: { code: string; message: string } | undefined;
}

/** A chunked incremental extractor and the one database writer that reads it directly. */
interface ChunkedPair {
  extractor: ManifestStep;
  chunkRows: number;
}

/**
 * Writers that read a chunked incremental extractor directly (the compiler allows `chunk_rows` only
 * there), by writer id.
 */
function listChunkedPairs(run: PreparedRun): Map<string, ChunkedPair> {
  const pairs = new Map<string, ChunkedPair>();
  for (const writer of run.manifest.steps) {
    const [only, ...more] = writer.needs;
    if (writer.mode !== 'write' || only === undefined || more.length > 0) continue;
    const config = run.stepConfigs.get(only)?.config ?? {};
    const chunkRows = config.chunk_rows;
    const extractor = run.manifest.steps.find((s) => s.id === only);
    if (extractor && typeof chunkRows === 'number' && readIncrementalSpec(config))
      pairs.set(writer.id, { extractor, chunkRows });
  }
  return pairs;
}

/**
 * Extractor → the writer that reads its rows while it extracts them (a streamed hand-over), by extractor
 * id: the writer needs exactly that extractor, is its only consumer, both components declare it in their
 * spec (`handover.streams`, `consumesStream`), the extractor is not incremental (its writer needs its
 * final boundary), and two steps may run at once.
 */
export function listStreamPairs(
  run: PreparedRun,
  drivers: DriverTable,
  concurrency: number,
): Map<string, string> {
  const pairs = new Map<string, string>();
  if (concurrency < 2) return pairs;
  const consumers = new Map<string, number>();
  for (const step of run.manifest.steps)
    for (const need of new Set(step.needs)) consumers.set(need, (consumers.get(need) ?? 0) + 1);
  const byId = new Map(run.manifest.steps.map((s) => [s.id, s]));
  for (const writer of run.manifest.steps) {
    const [only, ...more] = writer.needs;
    const extractor = only === undefined ? undefined : byId.get(only);
    if (writer.mode !== 'write' || !extractor || more.length > 0 || extractor.mode !== 'read') continue;
    if (consumers.get(extractor.id) !== 1) continue;
    if (drivers.get(writer.driver)?.spec.consumesStream !== true) continue;
    if (drivers.get(extractor.driver)?.spec.handover?.streams !== true) continue;
    const config = run.stepConfigs.get(extractor.id)?.config ?? {};
    if (readIncrementalSpec(config) || config.chunk_rows !== undefined) continue;
    pairs.set(extractor.id, writer.id);
  }
  return pairs;
}

/**
 * The steps, each as soon as every step it needs succeeded, at most `concurrency` at a time (1: in
 * manifest order). The first failure stops the scheduling of new steps; steps already running finish.
 * A streamed writer starts together with its extractor (`streams`).
 * A chunked pair repeats: while the extractor's last execution filled a whole chunk, it runs again
 * after that chunk's boundary and the writer commits the next chunk with it, so a run killed in the
 * middle resumes after the last committed chunk. `onOutcome` sees every execution (boundaries for the
 * file writers' state). Returns the steps that never started.
 */
export async function runStepSequence(
  run: PreparedRun,
  adapter: ExecutionAdapter,
  tally: SequenceTally,
  options: {
    concurrency: number;
    onOutcome: (step: ManifestStep, outcome: StepOutcome) => void;
    /** Extractor → its streamed writer (listStreamPairs): the writer starts with its extractor. */
    streams?: ReadonlyMap<string, string>;
  },
): Promise<string[]> {
  const runUnit = createUnitRunner(run, adapter, tally, options.onOutcome);
  const streamedFrom = new Map([...(options.streams ?? [])].map(([e, w]) => [w, e]));
  // a streamed writer may start as soon as its extractor started (the data plane makes it wait for rows)
  const mayStart = (step: ManifestStep): boolean => {
    const producer = streamedFrom.get(step.id);
    if (producer !== undefined && started.has(producer)) return true;
    return step.needs.every((n) => succeeded.has(n));
  };
  const limit = Math.max(1, Math.floor(options.concurrency));
  const succeeded = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;
  let thrown: { error: unknown } | undefined;
  for (;;) {
    for (const step of run.manifest.steps) {
      if (stopped || running.size >= limit) break;
      if (started.has(step.id) || !mayStart(step)) continue;
      started.add(step.id);
      const unit = runUnit(step).then(
        (ok) => {
          if (ok) succeeded.add(step.id);
          else stopped = true;
        },
        (error: unknown) => {
          stopped = true;
          thrown ??= { error };
        },
      );
      running.set(
        step.id,
        unit.finally(() => running.delete(step.id)),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (thrown) throw thrown.error;
  return run.manifest.steps.filter((s) => !started.has(s.id)).map((s) => s.id);
}

/** Runs one step as a unit (a chunked pair's writer with its further chunks); resolves false on failure. */
function createUnitRunner(
  run: PreparedRun,
  adapter: ExecutionAdapter,
  tally: SequenceTally,
  onOutcome: (step: ManifestStep, outcome: StepOutcome) => void,
): (step: ManifestStep) => Promise<boolean> {
  const pairs = listChunkedPairs(run);
  const last = new Map<string, StepOutcome>();
  const order = new Map(run.manifest.steps.map((s, i) => [s.id, i]));
  const indexOf = (id: string): number => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const execute = async (step: ManifestStep, start?: IncrementalStart): Promise<boolean> => {
    run.signal.throwIfAborted();
    const outcome = await adapter.execute(step, listStepInputs(step), start);
    onOutcome(step, outcome);
    last.set(step.id, outcome);
    if (!outcome.ok) {
      // The failed step first in manifest order names the run's error (the same whichever of two
      // concurrent failures came first), unless it was only stopped by another step's failure (an
      // extractor whose streamed writer failed): the cause names it. Every failed step has its own
      // step_failed event.
      const error = outcome.error;
      const rank = (id: string, message: string | undefined): number =>
        indexOf(id) + (isStoppedBy(message ?? '') ? order.size : 0);
      const message = error?.message ?? 'step failed';
      if (
        tally.failedStep === undefined ||
        rank(step.id, message) < rank(tally.failedStep, tally.error?.message)
      ) {
        tally.failedStep = step.id;
        tally.error = { code: error?.code ?? 'internal', message };
      }
      return false;
    }
    tally.rowsRead += outcome.rowsRead;
    tally.rowsWritten += outcome.rowsWritten;
    return true;
  };
  return async (step) => {
    if (!(await execute(step))) return false;
    const pair = pairs.get(step.id);
    let chunk = pair ? last.get(pair.extractor.id) : undefined;
    while (pair && chunk?.boundary && chunk.rowsRead >= pair.chunkRows) {
      if (!(await execute(pair.extractor, { after: [chunk.boundary] }))) return false;
      if (!(await execute(step))) return false;
      chunk = last.get(pair.extractor.id);
    }
    tally.completed++;
    return true;
  };
}

/** An incremental extractor's pending state after an execution that read rows, else undefined. */
export function readPendingState(
  run: PreparedRun,
  step: ManifestStep,
  outcome: StepOutcome,
): PendingState | undefined {
  const config = run.stepConfigs.get(step.id)?.config;
  const spec = config ? readIncrementalSpec(config) : undefined;
  return spec ? createPendingState(step.id, spec, outcome) : undefined;
}
