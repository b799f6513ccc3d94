import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ExecutionAdapter,
  IncrementalStart,
  ManifestStep,
  PreparedRun,
  StepOutcome,
} from '../core/index.js';
import { OsirisError, describeError } from '../core/index.js';
import { recordStepFailure } from '../runtime/execute-step.js';
import type { Command, HostApi, PingCommand, PrepareCommand } from './protocol.js';
import { HEARTBEAT_LOSS_MS, PROTOCOL_VERSION } from './protocol.js';
import {
  checkRemotePaths,
  createCommands,
  createExecCommand,
  createPrepareSecrets,
  listUploads,
  sumUploadBytes,
} from './remote-plan.js';
import type { Sandbox } from './transport.js';
import { createSingleUseSandboxes } from './sandbox-pool.js';
import type { WorkerChannel } from './worker-channel.js';
import { createWorkerChannel } from './worker-channel.js';
import type { RemoteAdapterOptions, RemoteRun } from './remote-run.js';
import { advance, collectRemoteRun } from './remote-run.js';

export type { RemoteAdapterOptions } from './remote-run.js';

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
        sandboxes: options.sandboxes ?? createSingleUseSandboxes(options.transport),
        onAbort: () => r.channel?.abort(toOsirisError(run.signal.reason)),
      };
      current = r;
      await prepareRemoteRun(r);
    },
    async execute(step, inputs, start) {
      if (!current?.channel) throw new OsirisError('internal', 'remote adapter used before prepare');
      return executeRemoteStep(current, current.channel, step, inputs, start);
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

/** Get a sandbox (new or lent by a pool) and keep it alive while the run is; an abort fails this at once (collect waits). */
async function createSandbox(r: RemoteRun, t0: number): Promise<{ sandbox: Sandbox; createMs: number }> {
  const { run, options, transport } = r;
  const pending = r.sandboxes.acquire(
    {
      ...options.sandbox,
      metadata: { osiris_session: run.sessionId, osiris_pipeline: run.manifest.pipeline.id },
    },
    { fresh: options.freshSandbox === true },
  );
  r.creating = pending;
  const lease = await untilAborted(pending, run.signal);
  const { sandbox } = lease;
  r.lease = lease;
  r.sandbox = sandbox;
  r.creating = undefined;
  const createMs = Math.round(performance.now() - t0);
  if (lease.reused) {
    run.log.info(
      `remote: ${transport} sandbox ${sandbox.id} reused (wiped) after ${lease.servedBefore} run(s)`,
    );
    run.sink.event('remote.sandbox_reused', {
      transport,
      sandbox_id: sandbox.id,
      runs_served: lease.servedBefore,
      acquire_ms: createMs,
    });
  } else {
    run.log.info(`remote: ${transport} sandbox ${sandbox.id} created in ${createMs} ms`);
    run.sink.event('remote.sandbox_created', { transport, sandbox_id: sandbox.id, create_ms: createMs });
  }
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
  start: IncrementalStart | undefined,
): Promise<StepOutcome> {
  const { run } = r;
  // lost between two steps: an adapter failure, not this step's (it never started)
  if (channel.failure) throw channel.failure;
  const started = performance.now();
  try {
    const outcome = await channel.request(createExecCommand(step, inputs, start));
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
