import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ConnectionLookup,
  DataPlane,
  DriverTable,
  EventSink,
  ManifestStep,
  ResolvedConnection,
  StepContext,
  StepLogger,
  StepOutcome,
} from '../core/index.js';
import {
  CFG_META_KEYS,
  OsirisError,
  describeError,
  maskStructure,
  parseConnectionRef,
  writeCanonicalJson,
} from '../core/index.js';

/** Everything one step needs; the same for the local adapter and the sandbox worker. */
export interface StepExecution {
  /** The manifest step. */
  step: ManifestStep;
  /** Exact bytes of its cfg file. */
  cfgText: string;
  /** Input name → upstream step id. */
  inputs: Record<string, string>;
  /** Bound drivers. */
  drivers: DriverTable;
  /** Connection lookup (in memory). */
  connections: ConnectionLookup;
  /** The run's data plane. */
  dataPlane: DataPlane;
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
  /** Abort signal of the run. */
  signal: AbortSignal;
  /** Masks secrets in messages and artifacts. */
  mask: (text: string) => string;
}

/** Execute one step: step events, cleaned config, driver call, metrics. Never throws for step failures. */
export async function executeStep(x: StepExecution): Promise<StepOutcome> {
  const { step, sink } = x;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  sink.event('step_start', { step_id: step.id, driver: step.driver });
  x.log.info(`step ${step.id}: started (${step.driver})`);
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
    x.log.info(`step ${step.id}: completed, ${outcome.rowsProcessed} rows in ${duration} ms`);
    return {
      ok: true,
      rowsRead: outcome.rowsRead ?? 0,
      rowsWritten: outcome.rowsWritten ?? 0,
      rowsProcessed: outcome.rowsProcessed,
      outputFiles: outcome.outputFiles ?? [],
    };
  } catch (error) {
    const outcome = recordStepFailure({
      stepId: step.id,
      error,
      durationMs: elapsed(),
      sink,
      signal: x.signal,
      mask: x.mask,
    });
    x.log.warn(`step ${step.id}: failed [${outcome.error?.code}] ${outcome.error?.message}`);
    if (outcome.error?.code === 'internal' && error instanceof Error && error.stack)
      x.log.debug(x.mask(error.stack));
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
  const { step, sink } = x;
  const artifactsRel = `artifacts/${step.id}`;
  const artifactsDir = join(x.sessionDir, artifactsRel);
  mkdirSync(artifactsDir, { recursive: true });
  sink.event('artifacts_dir_created', { step_id: step.id, path: artifactsRel });

  const parsed = JSON.parse(x.cfgText) as Record<string, unknown>;
  sink.event('cfg_opened', { step_id: step.id, path: step.cfg_path });
  const config: Record<string, unknown> = {};
  const stripped: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if ((CFG_META_KEYS as readonly string[]).includes(key)) stripped.push(key);
    else config[key] = value;
  }
  sink.event('config_meta_stripped', { step_id: step.id, keys: stripped });

  const module = x.drivers.get(step.driver);
  if (!module)
    throw new OsirisError('dependency_missing', `no driver registered for '${step.driver}'`, {
      where: `step ${step.id}`,
    });
  // every step that started gets its cleaned config, also when its connection or inputs fail
  let connection: ResolvedConnection | undefined;
  let failure: unknown;
  try {
    connection = resolveStepConnection(x, config, module.spec.connectionFamilies);
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
  writeFileSync(join(x.sessionDir, cleanedRel), writeCanonicalJson(maskStructure(cleaned, x.mask)));
  sink.event('artifact_created', { step_id: step.id, path: cleanedRel, type: 'cleaned_config' });
  if (failure !== undefined) throw failure;

  const ctx = createStepContext(x, artifactsDir);
  const result = await module.create().run({ config, connection, inputs: x.inputs, ctx });
  x.signal.throwIfAborted();
  return result;
}

function resolveStepConnection(
  x: StepExecution,
  config: Record<string, unknown>,
  families: readonly string[],
): ResolvedConnection | undefined {
  if (families.length === 0) return undefined;
  const stepId = x.step.id;
  const ref = config.connection;
  const parsed = parseConnectionRef(ref);
  const family = parsed?.family ?? families[0] ?? '';
  x.sink.event('connection_resolve_start', {
    step_id: stepId,
    ref: typeof ref === 'string' ? ref : `@${family}`,
  });
  try {
    const resolved = x.connections(family, parsed?.alias);
    x.sink.event('connection_resolve_complete', { step_id: stepId, family, alias: resolved.alias, ok: true });
    return resolved;
  } catch (error) {
    x.sink.event('connection_resolve_complete', {
      step_id: stepId,
      family,
      alias: parsed?.alias ?? 'default',
      ok: false,
    });
    throw error;
  }
}

async function resolveInputs(x: StepExecution): Promise<void> {
  for (const [name, fromStep] of Object.entries(x.inputs)) {
    try {
      await x.dataPlane.describe(fromStep);
    } catch {
      const error = `step '${fromStep}' left no output table (is it a writer?)`;
      x.sink.event('input_resolution_failed', { step_id: x.step.id, input: name, error });
      throw new OsirisError('input_error', `input '${name}': ${error}`, { where: `step ${x.step.id}` });
    }
  }
  const inputs: Record<string, { from_step: string; key: string }> = {};
  for (const [name, fromStep] of Object.entries(x.inputs)) inputs[name] = { from_step: fromStep, key: 'df' };
  x.sink.event('inputs_resolved', { step_id: x.step.id, inputs });
}

function createStepContext(x: StepExecution, artifactsDir: string): StepContext {
  const stepId = x.step.id;
  return {
    stepId,
    projectDir: x.projectDir,
    artifactsDir,
    workDir: x.workDir,
    dataPlane: x.dataPlane,
    signal: x.signal,
    log: x.log,
    emit: (name, fields) => x.sink.event(name, { step_id: stepId, ...fields }),
    recordArtifact: (path, type) => {
      const rel = path.startsWith(x.sessionDir)
        ? path
            .slice(x.sessionDir.length + 1)
            .split('\\')
            .join('/')
        : path;
      x.sink.event('artifact_created', { step_id: stepId, path: rel, type });
    },
  };
}
