import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverTable, ExecutionAdapter, ManifestStep, PreparedRun, StepOutcome } from '../core/index.js';
import { OsirisError, describeError } from '../core/index.js';
import { recordStepFailure } from '../runtime/execute-step.js';
import { downloadArtifacts, recoverArtifacts } from './collect-artifacts.js';
import type { Command, HostApi, PingCommand, PrepareCommand } from './protocol.js';
import { HEARTBEAT_LOSS_MS, PROTOCOL_VERSION } from './protocol.js';
import {
  ARCHIVE_PATH,
  checkRemotePaths,
  createCommands,
  createExecCommand,
  createPrepareSecrets,
  listUploads,
  sumUploadBytes,
} from './remote-plan.js';
import type { Sandbox, SandboxProcess, Transport } from './transport.js';
import type { WorkerChannel } from './worker-channel.js';
import { createWorkerChannel } from './worker-channel.js';

export interface RemoteAdapterOptions {
  /** Sandbox provider. */
  transport: Transport;
  /** vCPUs, memory and lifetime of the sandbox, and the template. */
  sandbox: { cpu: number; memoryMb: number; timeoutMs: number; template: string | undefined };
  /** Install missing runtime dependencies in the sandbox. */
  installDeps: boolean;
  /** Host directory holding the bundled worker (dist/worker). */
  workerDir: string;
  /** Bound drivers: their specs give dependencies and input file keys. */
  drivers: DriverTable;
  /** Override of the heartbeat-loss threshold (tests). */
  lossMs?: number;
  /** Bound of the artifact recovery after a lost worker, a timeout or Ctrl-C (default 15 s). */
  recoverMs?: number;
}

/**
 * Where a remote run is, in order. Each phase holds what the earlier ones made; `kill` is entered from
 * any phase when the worker is lost, and at the end of collect. The worker may exit without being lost
 * only in `collect` (after its cleanup answer) and `kill`.
 */
type RemotePhase = 'create' | 'upload' | 'start' | 'handshake' | 'steps' | 'cleanup' | 'collect' | 'kill';

/** One remote run, from prepare to collect. */
interface RemoteRun {
  phase: RemotePhase;
  readonly run: PreparedRun;
  readonly options: RemoteAdapterOptions;
  readonly transport: string;
  /** The provider's create while it is pending (an abort does not wait for it; collect does). */
  creating?: Promise<Sandbox>;
  sandbox?: Sandbox;
  keepAlive?: NodeJS.Timeout;
  channel?: WorkerChannel;
  proc?: SandboxProcess;
  /** Project-relative output files of completed steps (what a recovery must bring back too). */
  readonly outputFiles: Set<string>;
  /** Ctrl-C or run timeout: pending requests fail now with the reason; the worker is killed (onLost). */
  readonly onAbort: () => void;
}

/** The transparent proxy: same contract as the local adapter; steps run in a sandbox worker. */
export function createRemoteAdapter(options: RemoteAdapterOptions): ExecutionAdapter {
  let current: RemoteRun | undefined;
  return {
    kind: 'remote',
    transport: options.transport.name,
    async prepare(run) {
      const r: RemoteRun = {
        phase: 'create',
        run,
        options,
        transport: options.transport.name,
        outputFiles: new Set(),
        onAbort: () => r.channel?.abort(toOsirisError(run.signal.reason)),
      };
      current = r;
      await prepareRemoteRun(r);
    },
    async execute(step, inputs) {
      if (!current?.channel) throw new OsirisError('internal', 'remote adapter used before prepare');
      return executeRemoteStep(current, current.channel, step, inputs);
    },
    async collect() {
      const r = current;
      if (!r) return;
      try {
        await collectRemoteRun(r);
      } finally {
        current = undefined;
      }
    },
  };
}

/** Move on to `phase`, unless the worker is already being killed. */
function advance(r: RemoteRun, phase: RemotePhase): void {
  if (r.phase !== 'kill') r.phase = phase;
}

/** create → upload → start → handshake; the run is then in its steps phase. */
async function prepareRemoteRun(r: RemoteRun): Promise<void> {
  const { run, options, transport } = r;
  const t0 = performance.now();
  // written first, so every remote session has it, whatever fails later
  const commands = createCommands(run, options.drivers, options.installDeps);
  const commandsFile = join(run.sessionDir, 'commands.jsonl');
  writeFileSync(commandsFile, commands.map((c) => `${JSON.stringify(c)}\n`).join(''));
  checkRemotePaths(run, options.drivers);
  run.signal.addEventListener('abort', r.onAbort, { once: true });
  const { sandbox, createMs } = await createSandbox(r, t0);

  const uploads = listUploads(run, options.workerDir, options.drivers, commandsFile);
  const t1 = performance.now();
  advance(r, 'upload');
  await sandbox.upload(uploads.worker);
  run.signal.throwIfAborted();
  advance(r, 'start');
  const channel = await startWorker(r, sandbox);
  // the worker boots and loads its modules while the run's files go up
  await sandbox.upload(uploads.run);
  const all = [...uploads.worker, ...uploads.run];
  run.sink.event('remote.upload_complete', {
    files: all.length,
    bytes: sumUploadBytes(all),
    upload_ms: Math.round(performance.now() - t1),
  });
  run.sink.event('remote.worker_started', { transport });
  if (run.signal.aborted) r.onAbort();
  advance(r, 'handshake');
  const node = await handshake(r, channel, commands);
  const overhead = Math.round(performance.now() - t0);
  run.sink.metric('e2b_overhead_ms', overhead, { tags: { transport } });
  run.sink.event('remote.worker_ready', { transport, node, setup_ms: overhead - createMs });
  advance(r, 'steps');
}

/** Create the sandbox and keep it alive while the run is; an abort fails this at once (collect waits). */
async function createSandbox(r: RemoteRun, t0: number): Promise<{ sandbox: Sandbox; createMs: number }> {
  const { run, options, transport } = r;
  const pending = options.transport.create({
    ...options.sandbox,
    metadata: { osiris_session: run.sessionId, osiris_pipeline: run.manifest.pipeline.id },
  });
  r.creating = pending;
  const sandbox = await untilAborted(pending, run.signal);
  r.sandbox = sandbox;
  r.creating = undefined;
  const createMs = Math.round(performance.now() - t0);
  run.log.info(`remote: ${transport} sandbox ${sandbox.id} created in ${createMs} ms`);
  run.sink.event('remote.sandbox_created', { transport, sandbox_id: sandbox.id, create_ms: createMs });
  const lifetime = options.sandbox.timeoutMs;
  r.keepAlive = setInterval(
    () => void r.sandbox?.keepAlive(lifetime).catch(() => undefined),
    Math.max(1000, lifetime / 3),
  );
  r.keepAlive.unref();
  return { sandbox, createMs };
}

/** Start the worker with a channel whose notifications go into the session. */
async function startWorker(r: RemoteRun, sandbox: Sandbox): Promise<WorkerChannel> {
  const { run, transport } = r;
  const channel = createWorkerChannel({
    host: createSessionHost(run),
    log: run.log,
    lossMs: r.options.lossMs ?? HEARTBEAT_LOSS_MS,
    onLost: (error) => {
      r.phase = 'kill';
      if (error.code === 'worker_lost')
        run.sink.event('remote.worker_lost', { transport, error: error.message });
      void r.proc?.kill().catch(() => undefined);
    },
  });
  r.channel = channel;
  const proc = await sandbox.start(
    ['node', 'worker/worker-main.mjs'],
    {},
    { onStdout: channel.push, onStderr: (t) => run.log.debug(`worker stderr: ${t.trimEnd()}`) },
  );
  r.proc = proc;
  channel.attach(proc, () => r.phase === 'collect' || r.phase === 'kill');
  return channel;
}

/** The host's side of the worker's notifications: the session's own sink and log. */
function createSessionHost(run: PreparedRun): HostApi {
  return {
    event: (name, fields) => run.sink.event(name, fields),
    metric: (name, value, options) => run.sink.metric(name, value, options),
    log: (level, message) => run.log[level](`worker: ${message}`),
    heartbeat: () => undefined,
  };
}

/** ping (same protocol version) and prepare, which alone carries the run's connections; returns the worker's node. */
async function handshake(r: RemoteRun, channel: WorkerChannel, commands: Command[]): Promise<string> {
  const [ping, prepare] = [commands[0], commands[1]] as [PingCommand, PrepareCommand];
  const pong = await channel.request(ping);
  if (pong.protocol !== PROTOCOL_VERSION)
    throw new OsirisError('internal', `worker speaks protocol ${pong.protocol}, host ${PROTOCOL_VERSION}`);
  await channel.request(prepare, createPrepareSecrets(r.run.connections));
  return pong.node;
}

async function executeRemoteStep(
  r: RemoteRun,
  channel: WorkerChannel,
  step: ManifestStep,
  inputs: Record<string, string>,
): Promise<StepOutcome> {
  const { run } = r;
  // lost between two steps: an adapter failure, not this step's (it never started)
  if (channel.failure) throw channel.failure;
  const started = performance.now();
  try {
    const outcome = await channel.request(createExecCommand(step, inputs));
    run.sink.event('remote.step_roundtrip', {
      step_id: step.id,
      roundtrip_ms: Math.round(performance.now() - started),
    });
    if (outcome.ok) for (const f of outcome.outputFiles) r.outputFiles.add(f);
    // the worker reports project-relative paths; the host's are absolute, where a local run writes them
    return { ...outcome, outputFiles: outcome.outputFiles.map((f) => join(run.projectDir, f)) };
  } catch (error) {
    // the worker can no longer report this step: the host records its failure
    return recordStepFailure({
      stepId: step.id,
      error,
      durationMs: Math.round(performance.now() - started),
      sink: run.sink,
      signal: run.signal,
      mask: run.mask,
    });
  }
}

/** cleanup → collect → kill; after a lost worker or an abort, kill at once and recover the artifacts. */
async function collectRemoteRun(r: RemoteRun): Promise<void> {
  const { run, transport } = r;
  run.signal.removeEventListener('abort', r.onAbort);
  try {
    if (!r.sandbox && r.creating) {
      // aborted during create: wait for it, so the sandbox it makes is killed, not leaked
      r.sandbox = await r.creating.catch(() => undefined);
      r.creating = undefined;
      if (r.sandbox)
        run.sink.event('remote.sandbox_created', { transport, sandbox_id: r.sandbox.id, after_abort: true });
    }
    const { sandbox, channel, proc } = r;
    if (!sandbox || !channel || !proc) return;
    if (!channel.failure && !run.signal.aborted) {
      await cleanUpWorker(r, sandbox, channel, proc);
    } else {
      r.phase = 'kill';
      await proc.kill().catch(() => undefined);
      await recover(r, sandbox);
    }
  } finally {
    r.phase = 'kill';
    r.channel?.close();
    await r.proc?.kill().catch(() => undefined);
    await killSandbox(r);
  }
}

/** The worker packs its artifacts and may then end; they come back in one download. */
async function cleanUpWorker(
  r: RemoteRun,
  sandbox: Sandbox,
  channel: WorkerChannel,
  proc: SandboxProcess,
): Promise<void> {
  try {
    advance(r, 'cleanup');
    await channel.request({ cmd: 'cleanup', archive_path: ARCHIVE_PATH });
    advance(r, 'collect'); // from here on the worker may end: stdin closes below
    await downloadArtifacts(sandbox, r.run, r.transport);
    await proc.closeStdin().catch(() => undefined);
  } catch (error) {
    // lost during cleanup: still bring back what can be, then report the loss
    if (channel.failure) await recover(r, sandbox);
    throw error;
  }
}

function recover(r: RemoteRun, sandbox: Sandbox): Promise<void> {
  return recoverArtifacts(sandbox, r.run, r.transport, [...r.outputFiles], r.options.recoverMs ?? 15_000);
}

async function killSandbox(r: RemoteRun): Promise<void> {
  clearInterval(r.keepAlive);
  const box = r.sandbox;
  r.sandbox = undefined;
  if (!box) return;
  const { run, transport } = r;
  await box
    .kill()
    .catch((error: unknown) => run.log.warn(`killing sandbox ${box.id} failed: ${String(error)}`));
  run.sink.event('remote.sandbox_killed', { transport, sandbox_id: box.id });
  run.log.info(`remote: sandbox ${box.id} killed`);
}

/** Resolve with `promise`, or reject with the signal's reason as soon as it aborts (the promise runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toOsirisError(reason: unknown): OsirisError {
  if (reason instanceof OsirisError) return reason;
  const d = describeError(reason);
  return new OsirisError(d.code, d.message);
}
