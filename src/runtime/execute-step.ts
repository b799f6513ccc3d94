import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ConnectionLookup,
  DataPlane,
  DriverTable,
  EventSink,
  IncrementalStart,
  ManifestStep,
  PendingState,
  ResolvedConnection,
  ParsedStepConfig,
  StepContext,
  StepLogger,
  StepOutcome,
} from '../core/index.js';
import {
  OsirisError,
  describeError,
  encodeInputRefs,
  maskStructure,
  selectStepConnection,
  writeCanonicalJson,
} from '../core/index.js';
import { makeDirectory } from '../core/make-directory.js';

/** What hosts a step: the same for the local adapter and the sandbox worker (runtime/step-runner.ts). */
export interface StepHost {
  /** Bound drivers. */
  drivers: DriverTable;
  /** Connection lookup (in memory). */
  connections: ConnectionLookup;
  /** Event and metric sink. */
  sink: EventSink;
  /** Log. */
  log: StepLogger;
  /** Directory holding `artifacts/` (the session dir, or the sandbox work dir). */
  sessionDir: string;
  /** Project directory for relative paths. */
  projectDir: string;
  /** Scratch directory. */
  workDir: string;
  /** Masks secrets in messages and artifacts. */
  mask: (text: string) => string;
}

/** One step on its host. */
export interface StepExecution {
  /** Where it runs. */
  host: StepHost;
  /** The run's data plane. */
  dataPlane: DataPlane;
  /** The manifest step. */
  step: ManifestStep;
  /** Its parsed cfg. */
  config: ParsedStepConfig;
  /** Input name → upstream step id. */
  inputs: Record<string, string>;
  /** Abort signal of the run. */
  signal: AbortSignal;
  /** Incremental extractors: where to start. */
  incremental?: IncrementalStart;
  /** Writers: the boundaries to store with the rows (and the pipeline id they are keyed by). */
  pendingStates?: { pipelineId: string; states: PendingState[] };
  /** Set on both steps of a streamed hand-over (the writer reads while the extractor writes). */
  handover?: 'streamed';
}

/** Execute one step: step events, cleaned config, driver call, metrics. Never throws for step failures. */
export async function executeStep(x: StepExecution): Promise<StepOutcome> {
  const { step } = x;
  const { sink, log } = x.host;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const handover = x.handover ? { handover: x.handover } : {};
  sink.event('step_start', { step_id: step.id, driver: step.driver, ...handover });
  log.info(`step ${step.id}: started (${step.driver})`);
  try {
    const outcome = await runStepBody(x);
    const duration = elapsed();
    if (outcome.rowsRead !== undefined) sink.metric('rows_read', outcome.rowsRead, { step_id: step.id });
    if (outcome.rowsWritten !== undefined)
      sink.metric('rows_written', outcome.rowsWritten, { step_id: step.id });
    sink.metric('rows_processed', outcome.rowsProcessed, { step_id: step.id });
    sink.metric('step_duration_ms', duration, { step_id: step.id });
    sink.event('step_complete', {
      step_id: step.id,
      rows_processed: outcome.rowsProcessed,
      duration_ms: duration,
    });
    log.info(`step ${step.id}: completed, ${outcome.rowsProcessed} rows in ${duration} ms`);
    return {
      ok: true,
      rowsRead: outcome.rowsRead ?? 0,
      rowsWritten: outcome.rowsWritten ?? 0,
      rowsProcessed: outcome.rowsProcessed,
      outputFiles: outcome.outputFiles ?? [],
      ...(outcome.boundary ? { boundary: outcome.boundary } : {}),
    };
  } catch (error) {
    const outcome = recordStepFailure({
      stepId: step.id,
      error,
      durationMs: elapsed(),
      sink,
      signal: x.signal,
      mask: x.host.mask,
    });
    log.warn(`step ${step.id}: failed [${outcome.error?.code}] ${outcome.error?.message}`);
    if (outcome.error?.code === 'internal' && error instanceof Error && error.stack)
      log.debug(x.host.mask(error.stack));
    return outcome;
  }
}

/**
 * Record a failed step (step_duration_ms, step_failed) and build its outcome. Used by executeStep and by
 * the remote adapter when a worker can no longer report the step itself. An aborted run (Ctrl-C,
 * timeout) reports the abort, not the driver's reaction to it.
 */
export function recordStepFailure(f: {
  stepId: string;
  error: unknown;
  durationMs: number;
  sink: EventSink;
  signal: AbortSignal;
  mask: (text: string) => string;
}): StepOutcome {
  const d = describeError(f.signal.aborted ? f.signal.reason : f.error);
  const message = f.mask(d.message);
  f.sink.metric('step_duration_ms', f.durationMs, { step_id: f.stepId });
  f.sink.event('step_failed', {
    step_id: f.stepId,
    error: message,
    error_type: d.type,
    error_code: d.code,
    duration_ms: f.durationMs,
  });
  return {
    ok: false,
    rowsRead: 0,
    rowsWritten: 0,
    rowsProcessed: 0,
    outputFiles: [],
    error: { code: d.code, message, type: d.type },
  };
}

async function runStepBody(x: StepExecution) {
  const { step, host } = x;
  const { sink } = host;
  const artifactsRel = `artifacts/${step.id}`;
  const artifactsDir = join(host.sessionDir, artifactsRel);
  makeDirectory(artifactsDir);
  sink.event('artifacts_dir_created', { step_id: step.id, path: artifactsRel });
  sink.event('cfg_opened', { step_id: step.id, path: step.cfg_path });
  const { config, metaKeys } = x.config;
  sink.event('config_meta_stripped', { step_id: step.id, keys: metaKeys });

  const module = host.drivers.get(step.driver);
  if (!module)
    throw new OsirisError('dependency_missing', `no driver registered for '${step.driver}'`, {
      where: `step ${step.id}`,
    });
  // every step that started gets its cleaned config, also when its connection or inputs fail
  let connection: ResolvedConnection | undefined;
  let failure: unknown;
  try {
    connection = resolveStepConnection(x, module.spec.connectionFamilies);
    await resolveInputs(x);
  } catch (error) {
    failure = error;
  }

  const cleaned = connection
    ? {
        ...config,
        resolved_connection: { family: connection.family, alias: connection.alias, ...connection.fields },
      }
    : config;
  const cleanedRel = `${artifactsRel}/cleaned_config.json`;
  // masked by structure: secret fields by key (any length), DSN passwords whatever they hold, and the
  // masker over the other string values; never over the JSON text (a password `true` stays out of syntax)
  writeFileSync(join(host.sessionDir, cleanedRel), writeCanonicalJson(maskStructure(cleaned, host.mask)));
  sink.event('artifact_created', { step_id: step.id, path: cleanedRel, type: 'cleaned_config' });
  if (failure !== undefined) throw failure;

  const ctx = createStepContext(x, artifactsDir);
  const result = await module.create().run({
    config,
    connection,
    inputs: x.inputs,
    ctx,
    ...(x.incremental ? { incremental: x.incremental } : {}),
    ...(x.pendingStates
      ? { pendingStates: x.pendingStates.states, pipelineId: x.pendingStates.pipelineId }
      : {}),
  });
  x.signal.throwIfAborted();
  return result;
}

function resolveStepConnection(
  x: StepExecution,
  families: readonly string[],
): ResolvedConnection | undefined {
  const selected = selectStepConnection(x.config.config, families);
  if (!selected) return undefined;
  const { family, alias, ref } = selected;
  const { sink } = x.host;
  const stepId = x.step.id;
  sink.event('connection_resolve_start', { step_id: stepId, ref });
  try {
    const resolved = x.host.connections(family, alias);
    sink.event('connection_resolve_complete', { step_id: stepId, family, alias: resolved.alias, ok: true });
    return resolved;
  } catch (error) {
    sink.event('connection_resolve_complete', {
      step_id: stepId,
      family,
      alias: alias ?? 'default',
      ok: false,
    });
    throw error;
  }
}

async function resolveInputs(x: StepExecution): Promise<void> {
  for (const [name, fromStep] of Object.entries(x.inputs)) {
    try {
      await x.dataPlane.describe(fromStep);
    } catch (thrown) {
      // a streamed input whose extractor failed: its own failure, not a missing table
      if (thrown instanceof OsirisError && thrown.message.startsWith(`input step '${fromStep}' failed`))
        throw thrown;
      const error = `step '${fromStep}' left no output table (is it a writer?)`;
      x.host.sink.event('input_resolution_failed', { step_id: x.step.id, input: name, error });
      throw new OsirisError('input_error', `input '${name}': ${error}`, { where: `step ${x.step.id}` });
    }
  }
  x.host.sink.event('inputs_resolved', { step_id: x.step.id, inputs: encodeInputRefs(x.inputs) });
}

function createStepContext(x: StepExecution, artifactsDir: string): StepContext {
  const stepId = x.step.id;
  const { host } = x;
  return {
    stepId,
    projectDir: host.projectDir,
    artifactsDir,
    workDir: host.workDir,
    dataPlane: x.dataPlane,
    signal: x.signal,
    log: host.log,
    emit: (name, fields) => host.sink.event(name, { step_id: stepId, ...fields }),
    recordArtifact: (path, type) => {
      const rel = path.startsWith(host.sessionDir)
        ? path
            .slice(host.sessionDir.length + 1)
            .split('\\')
            .join('/')
        : path;
      host.sink.event('artifact_created', { step_id: stepId, path: rel, type });
    },
  };
}
