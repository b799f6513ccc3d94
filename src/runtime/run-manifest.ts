import { rmSync } from 'node:fs';
import type {
  DriverTable,
  ExecutionAdapter,
  PendingState,
  PreparedRun,
  SessionStatus,
} from '../core/index.js';
import { EXIT_CODES, createFingerprint, describeError } from '../core/index.js';
import type { SessionWriter } from '../session/index.js';
import type { StateAccess } from './run-state.js';
import { commitFileStates, loadRunStarts } from './run-state.js';
import { listStreamPairs, readPendingState, runStepSequence } from './run-step-sequence.js';

export interface RunManifestInput {
  /** Prepared run (its sink and log are the writer's). */
  run: PreparedRun;
  /** The session writer. */
  writer: SessionWriter;
  /** Where steps execute. */
  adapter: ExecutionAdapter;
  /** Bound drivers (writers open their state stores through them). */
  drivers: DriverTable;
  /** `--full-refresh`: incremental extractors ignore their stored state (and their writers replace it). */
  fullRefresh?: boolean;
  /** Steps that may run at once (default 1: one after the other). */
  concurrency?: number;
  /** When the session began. */
  startedAt: Date;
  /** Clock. */
  now?: () => Date;
}

/** What the steps of a run came to. */
interface StepsTally {
  completed: number;
  rowsRead: number;
  rowsWritten: number;
  failedStep: string | undefined;
  error: { code: string; message: string } | undefined;
  /** Steps that never started (undefined: the steps were never reached, e.g. prepare failed). */
  notStarted: string[] | undefined;
  /** Seconds from the first step to the last (0 when prepare failed). */
  execSeconds: number;
  /** Seconds of the whole adapter: prepare, steps, collect. */
  adapterSeconds: number;
}

/**
 * The host's orchestration (docs/architecture.md): run-level events, order, stop at the first failure, collect,
 * cleanup, status.json. Adapters only execute steps, so this is the same for local and remote runs.
 */
export async function runManifest(input: RunManifestInput): Promise<SessionStatus> {
  const { run, writer, adapter } = input;
  const now = input.now ?? (() => new Date());
  const t0 = performance.now();
  materializePlan(run, writer);
  const tally = await runSteps(run, adapter, {
    access: {
      manifest: run.manifest,
      stepConfigs: run.stepConfigs,
      drivers: input.drivers,
      connections: run.connections.lookup,
      projectDir: run.projectDir,
    },
    fullRefresh: input.fullRefresh === true,
    concurrency: input.concurrency ?? 1,
    drivers: input.drivers,
  });

  run.sink.event('cleanup_start', {});
  rmSync(run.workDir, { recursive: true, force: true });
  run.sink.event('cleanup_complete', {});

  const { error } = tally;
  const exitCode = !error
    ? EXIT_CODES.ok
    : error.code === 'interrupted'
      ? EXIT_CODES.interrupted
      : EXIT_CODES.failed;
  const durationMs = Math.round(performance.now() - t0);
  recordRunEnd(run, tally, exitCode, durationMs, (now().getTime() - input.startedAt.getTime()) / 1000);

  const status: SessionStatus = {
    session_id: run.sessionId,
    status: error ? 'failed' : 'success',
    ok: !error,
    exit_code: exitCode,
    adapter: adapter.kind,
    ...(adapter.transport ? { transport: adapter.transport } : {}),
    pipeline_id: run.manifest.pipeline.id,
    steps_total: run.manifest.steps.length,
    steps_completed: tally.completed,
    ...(tally.failedStep ? { failed_step: tally.failedStep } : {}),
    ...listNotStarted(run, tally),
    ...(error ? { error } : {}),
    started_at: input.startedAt.toISOString(),
    finished_at: now().toISOString(),
    duration_ms: durationMs,
    rows_read: tally.rowsRead,
    rows_written: tally.rowsWritten,
  };
  writer.writeStatus(status);
  return status;
}

/** run_start, then manifest.yaml and every cfg into the session, byte for byte, with their events. */
function materializePlan(run: PreparedRun, writer: SessionWriter): void {
  const { manifest, sink } = run;
  sink.event('run_start', {
    pipeline_id: manifest.pipeline.id,
    manifest_fp: manifest.pipeline.fingerprints.manifest_fp,
    steps_total: manifest.steps.length,
  });
  writer.writeText('manifest.yaml', run.manifestText);
  sink.event('manifest_materialized', { path: 'manifest.yaml', sha256: createFingerprint(run.manifestText) });
  for (const step of manifest.steps) {
    const text = run.cfgTexts.get(step.id) ?? '';
    writer.writeText(step.cfg_path, text);
    sink.event('cfg_materialized', {
      step_id: step.id,
      path: step.cfg_path,
      sha256: createFingerprint(text),
    });
  }
  sink.metric('steps_total', manifest.steps.length);
}

/**
 * State read, prepare, the steps in order until the first failure, collect (always), file writers'
 * state; errors end up in the tally.
 */
async function runSteps(
  run: PreparedRun,
  adapter: ExecutionAdapter,
  state: { access: StateAccess; fullRefresh: boolean; concurrency: number; drivers: DriverTable },
): Promise<StepsTally> {
  const tally: StepsTally = {
    completed: 0,
    rowsRead: 0,
    rowsWritten: 0,
    failedStep: undefined,
    error: undefined,
    notStarted: undefined,
    execSeconds: 0,
    adapterSeconds: 0,
  };
  const tAdapter = performance.now();
  const read = new Map<string, PendingState>();
  const succeeded = new Set<string>();
  let collected = false;
  try {
    const starts = await loadRunStarts(state.access, run.sink, state.fullRefresh);
    const streams = listStreamPairs(run, state.drivers, state.concurrency);
    await adapter.prepare({ ...run, starts, ...(streams.size > 0 ? { streams } : {}) });
    const tExec = performance.now();
    tally.notStarted = await runStepSequence(run, adapter, tally, {
      concurrency: state.concurrency,
      streams,
      onOutcome: (step, outcome) => {
        if (outcome.ok) succeeded.add(step.id);
        const pending = readPendingState(run, step, outcome);
        if (pending) read.set(step.id, pending);
      },
    });
    tally.execSeconds = (performance.now() - tExec) / 1000;
  } catch (thrown) {
    tally.error = describeRunError(thrown, run.signal, run.mask);
  } finally {
    try {
      await adapter.collect();
      collected = true;
    } catch (thrown) {
      tally.error ??= describeRunError(thrown, run.signal, run.mask);
    }
  }
  // file outputs are in place only now (a remote run brings them back at collect)
  if (collected && read.size > 0) {
    await commitFileStates(state.access, run.sink, read, succeeded).catch((thrown: unknown) => {
      tally.error ??= describeRunError(thrown, run.signal, run.mask);
    });
  }
  if (!tally.error && run.signal.aborted)
    tally.error = describeRunError(run.signal.reason, run.signal, run.mask);
  tally.adapterSeconds = (performance.now() - tAdapter) / 1000;
  return tally;
}

/** `steps_not_started` of a failed run, when some step never started. */
function listNotStarted(run: PreparedRun, tally: StepsTally): { steps_not_started?: string[] } {
  if (!tally.error) return {};
  const ids = tally.notStarted ?? run.manifest.steps.map((s) => s.id);
  return ids.length > 0 ? { steps_not_started: ids } : {};
}

/** The run metrics, run_end and the closing log line. */
function recordRunEnd(
  run: PreparedRun,
  tally: StepsTally,
  exitCode: number,
  durationMs: number,
  sessionSeconds: number,
): void {
  const { sink, log } = run;
  const { error } = tally;
  sink.metric('steps_completed', tally.completed);
  sink.metric('execution_duration', round3(tally.execSeconds));
  sink.metric('adapter_execution_duration', round3(tally.adapterSeconds));
  sink.metric('adapter_exit_code', exitCode);
  sink.metric('session_duration_seconds', round3(sessionSeconds));
  sink.event('run_end', {
    status: error ? 'failed' : 'success',
    exit_code: exitCode,
    duration_ms: durationMs,
  });
  if (error) log.warn(`run failed [${error.code}] ${error.message}`);
  else log.info(`run succeeded: ${tally.completed} steps in ${durationMs} ms`);
}

function describeRunError(thrown: unknown, signal: AbortSignal, mask: (t: string) => string) {
  // once the run is aborted, whatever was thrown is a consequence: report the abort's reason
  const d = describeError(signal.aborted ? signal.reason : thrown);
  return { code: d.code, message: mask(d.message) };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
