import type {
  ExecutionAdapter,
  IncrementalStart,
  ManifestStep,
  PendingState,
  PreparedRun,
  StepOutcome,
} from '../core/index.js';
import { listStepInputs, readIncrementalSpec } from '../core/index.js';

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
 * The steps in manifest order until the first failure. A chunked pair repeats: while the extractor's
 * last execution filled a whole chunk, it runs again after that chunk's boundary and the writer commits
 * the next chunk with it, so a run killed in the middle resumes after the last committed chunk.
 * `onOutcome` sees every execution (boundaries for the file writers' state).
 */
export async function runStepSequence(
  run: PreparedRun,
  adapter: ExecutionAdapter,
  tally: SequenceTally,
  onOutcome: (step: ManifestStep, outcome: StepOutcome) => void,
): Promise<void> {
  const pairs = listChunkedPairs(run);
  const last = new Map<string, StepOutcome>();
  const execute = async (step: ManifestStep, start?: IncrementalStart): Promise<boolean> => {
    run.signal.throwIfAborted();
    const outcome = await adapter.execute(step, listStepInputs(step), start);
    onOutcome(step, outcome);
    last.set(step.id, outcome);
    if (!outcome.ok) {
      tally.failedStep = step.id;
      const error = outcome.error;
      tally.error = { code: error?.code ?? 'internal', message: error?.message ?? 'step failed' };
      return false;
    }
    tally.rowsRead += outcome.rowsRead;
    tally.rowsWritten += outcome.rowsWritten;
    return true;
  };
  for (const step of run.manifest.steps) {
    if (!(await execute(step))) return;
    const pair = pairs.get(step.id);
    let chunk = pair ? last.get(pair.extractor.id) : undefined;
    while (pair && chunk?.boundary && chunk.rowsRead >= pair.chunkRows) {
      if (!(await execute(pair.extractor, { after: [chunk.boundary] }))) return;
      if (!(await execute(step))) return;
      chunk = last.get(pair.extractor.id);
    }
    tally.completed++;
  }
}

/** An incremental extractor's pending state after an execution that read rows, else undefined. */
export function readPendingState(
  run: PreparedRun,
  step: ManifestStep,
  outcome: StepOutcome,
): PendingState | undefined {
  const config = run.stepConfigs.get(step.id)?.config;
  const spec = config ? readIncrementalSpec(config) : undefined;
  if (!spec || !outcome.ok || !outcome.boundary) return undefined;
  return {
    extractorStep: step.id,
    cursor: spec.cursor,
    primaryKey: spec.primaryKey,
    boundary: outcome.boundary,
    rows: outcome.rowsRead,
  };
}
