import { rmSync } from 'node:fs';
import type { ExecutionAdapter, ManifestStep, PreparedRun, SessionStatus } from '../core/index.js';
import { EXIT_CODES, createFingerprint, describeError } from '../core/index.js';
import type { SessionWriter } from '../session/index.js';

export interface RunManifestInput {
  /** Prepared run (its sink and log are the writer's). */
  run: PreparedRun;
  /** The session writer. */
  writer: SessionWriter;
  /** Where steps execute. */
  adapter: ExecutionAdapter;
  /** When the session began. */
  startedAt: Date;
  /** Clock. */
  now?: () => Date;
}

/** Input names of a step: each upstream id binds under its own name. */
export function listStepInputs(step: ManifestStep): Record<string, string> {
  return Object.fromEntries(step.needs.map((id) => [id, id]));
}

/**
 * The host's orchestration (docs/architecture.md): run-level events, order, stop at the first failure, collect,
 * cleanup, status.json. Adapters only execute steps, so this is the same for local and remote runs.
 */
export async function runManifest(input: RunManifestInput): Promise<SessionStatus> {
  const { run, writer, adapter } = input;
  const now = input.now ?? (() => new Date());
  const { manifest, sink } = run;
  const t0 = performance.now();
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

  const state = { completed: 0, rowsRead: 0, rowsWritten: 0, failedStep: undefined as string | undefined };
  let error: { code: string; message: string } | undefined;
  let execSeconds = 0;
  const tAdapter = performance.now();
  try {
    await adapter.prepare(run);
    const tExec = performance.now();
    for (const step of manifest.steps) {
      run.signal.throwIfAborted();
      const outcome = await adapter.execute(step, listStepInputs(step));
      if (!outcome.ok) {
        state.failedStep = step.id;
        error = { code: outcome.error?.code ?? 'internal', message: outcome.error?.message ?? 'step failed' };
        break;
      }
      state.completed++;
      state.rowsRead += outcome.rowsRead;
      state.rowsWritten += outcome.rowsWritten;
    }
    execSeconds = (performance.now() - tExec) / 1000;
  } catch (thrown) {
    error = describeRunError(thrown, run.signal, run.mask);
  } finally {
    try {
      await adapter.collect();
    } catch (thrown) {
      error ??= describeRunError(thrown, run.signal, run.mask);
    }
  }
  if (!error && run.signal.aborted) error = describeRunError(run.signal.reason, run.signal, run.mask);
  const adapterSeconds = (performance.now() - tAdapter) / 1000;

  sink.event('cleanup_start', {});
  rmSync(run.workDir, { recursive: true, force: true });
  sink.event('cleanup_complete', {});

  const exitCode = !error
    ? EXIT_CODES.ok
    : error.code === 'interrupted'
      ? EXIT_CODES.interrupted
      : EXIT_CODES.failed;
  const durationMs = Math.round(performance.now() - t0);
  sink.metric('steps_completed', state.completed);
  sink.metric('execution_duration', round3(execSeconds));
  sink.metric('adapter_execution_duration', round3(adapterSeconds));
  sink.metric('adapter_exit_code', exitCode);
  sink.metric('session_duration_seconds', round3((now().getTime() - input.startedAt.getTime()) / 1000));
  sink.event('run_end', {
    status: error ? 'failed' : 'success',
    exit_code: exitCode,
    duration_ms: durationMs,
  });
  if (error) run.log.warn(`run failed [${error.code}] ${error.message}`);
  else run.log.info(`run succeeded: ${state.completed} steps in ${durationMs} ms`);

  const status: SessionStatus = {
    session_id: run.sessionId,
    status: error ? 'failed' : 'success',
    ok: !error,
    exit_code: exitCode,
    adapter: adapter.kind,
    ...(adapter.transport ? { transport: adapter.transport } : {}),
    pipeline_id: manifest.pipeline.id,
    steps_total: manifest.steps.length,
    steps_completed: state.completed,
    ...(state.failedStep ? { failed_step: state.failedStep } : {}),
    ...(error ? { error } : {}),
    started_at: input.startedAt.toISOString(),
    finished_at: now().toISOString(),
    duration_ms: durationMs,
    rows_read: state.rowsRead,
    rows_written: state.rowsWritten,
  };
  writer.writeStatus(status);
  return status;
}

function describeRunError(thrown: unknown, signal: AbortSignal, mask: (t: string) => string) {
  // once the run is aborted, whatever was thrown is a consequence: report the abort's reason
  const d = describeError(signal.aborted ? signal.reason : thrown);
  return { code: d.code, message: mask(d.message) };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
