import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverTable, ExecutionAdapter, ManifestStep, PreparedRun, StepOutcome } from '../core/index.js';
import { OsirisError, describeError } from '../core/index.js';
import { recordStepFailure } from '../runtime/execute-step.js';
import { downloadArtifacts, recoverArtifacts } from './collect-artifacts.js';
import type { Command, PrepareSecrets } from './protocol.js';
import { HEARTBEAT_LOSS_MS, PROTOCOL_VERSION } from './protocol.js';
import {
  ARCHIVE_PATH,
  checkRemotePaths,
  createCommands,
  createExecCommand,
  listUploads,
  sumUploadBytes,
} from './remote-plan.js';
import type { Sandbox, SandboxProcess, Transport } from './transport.js';
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
  /** Resolved connections of the steps (the only secrets that cross, in memory). */
  secrets: PrepareSecrets;
  /** Override of the heartbeat-loss threshold (tests). */
  lossMs?: number;
  /** Bound of the artifact recovery after a lost worker, a timeout or Ctrl-C (default 15 s). */
  recoverMs?: number;
}

type WorkerChannel = ReturnType<typeof createWorkerChannel>;

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

/** The transparent proxy: same contract as the local adapter; steps run in a sandbox worker. */
export function createRemoteAdapter(options: RemoteAdapterOptions): ExecutionAdapter {
  const transport = options.transport.name;
  let run: PreparedRun | undefined;
  let creating: Promise<Sandbox> | undefined;
  let sandbox: Sandbox | undefined;
  let proc: SandboxProcess | undefined;
  let channel: WorkerChannel | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  // set once the worker's exit is ours (cleanup done, or we kill it): not a lost worker
  let exiting = false;
  // project-relative output files of completed steps (what a recovery must bring back too)
  const outputFiles = new Set<string>();

  // Ctrl-C or run timeout: pending requests fail now with the reason; the worker is killed (onLost).
  const onAbort = (): void => {
    if (run) channel?.abort(toOsirisError(run.signal.reason));
  };

  const killSandbox = async (): Promise<void> => {
    clearInterval(keepAlive);
    const box = sandbox;
    sandbox = undefined;
    if (!box) return;
    await box
      .kill()
      .catch((error: unknown) => run?.log.warn(`killing sandbox ${box.id} failed: ${String(error)}`));
    run?.sink.event('remote.sandbox_killed', { transport, sandbox_id: box.id });
    run?.log.info(`remote: sandbox ${box.id} killed`);
  };

  return {
    kind: 'remote',
    transport,
    async prepare(prepared) {
      run = prepared;
      const t0 = performance.now();
      // written first, so every remote session has it, whatever fails later
      const commands = createCommands(prepared, options.drivers, options.installDeps);
      const commandsFile = join(prepared.sessionDir, 'commands.jsonl');
      writeFileSync(commandsFile, commands.map((c) => `${JSON.stringify(c)}\n`).join(''));
      checkRemotePaths(prepared, options.drivers);
      prepared.signal.addEventListener('abort', onAbort, { once: true });
      const pending = options.transport.create({
        ...options.sandbox,
        metadata: { osiris_session: prepared.sessionId, osiris_pipeline: prepared.manifest.pipeline.id },
      });
      // If the run is aborted while the provider creates the sandbox, prepare fails now and collect
      // waits for the create to finish, then kills what it made.
      creating = pending;
      sandbox = await untilAborted(pending, prepared.signal);
      creating = undefined;
      const createMs = Math.round(performance.now() - t0);
      prepared.log.info(`remote: ${transport} sandbox ${sandbox.id} created in ${createMs} ms`);
      prepared.sink.event('remote.sandbox_created', {
        transport,
        sandbox_id: sandbox.id,
        create_ms: createMs,
      });
      keepAlive = setInterval(
        () => void sandbox?.keepAlive(options.sandbox.timeoutMs).catch(() => undefined),
        Math.max(1000, options.sandbox.timeoutMs / 3),
      );
      keepAlive.unref();

      const uploads = listUploads(prepared, options.workerDir, options.drivers, commandsFile);
      const t1 = performance.now();
      await sandbox.upload(uploads.worker);
      prepared.signal.throwIfAborted();

      const ch = createWorkerChannel({
        sink: prepared.sink,
        log: prepared.log,
        lossMs: options.lossMs ?? HEARTBEAT_LOSS_MS,
        onLost: (error) => {
          exiting = true;
          if (error.code === 'worker_lost')
            prepared.sink.event('remote.worker_lost', { transport, error: error.message });
          void proc?.kill().catch(() => undefined);
        },
      });
      channel = ch;
      proc = await sandbox.start(
        ['node', 'worker/worker-main.mjs'],
        {},
        { onStdout: ch.push, onStderr: (t) => prepared.log.debug(`worker stderr: ${t.trimEnd()}`) },
      );
      ch.attach(proc, () => exiting);
      // the worker boots and loads its modules while the run's files go up
      await sandbox.upload(uploads.run);
      const all = [...uploads.worker, ...uploads.run];
      prepared.sink.event('remote.upload_complete', {
        files: all.length,
        bytes: sumUploadBytes(all),
        upload_ms: Math.round(performance.now() - t1),
      });
      prepared.sink.event('remote.worker_started', { transport });
      if (prepared.signal.aborted) onAbort();
      const [ping, prepare] = [commands[0], commands[1]] as [
        Extract<Command, { cmd: 'ping' }>,
        Extract<Command, { cmd: 'prepare' }>,
      ];
      const pong = await ch.request(ping);
      if (pong.protocol !== PROTOCOL_VERSION)
        throw new OsirisError(
          'internal',
          `worker speaks protocol ${pong.protocol}, host ${PROTOCOL_VERSION}`,
        );
      await ch.request(prepare, options.secrets);
      const overhead = Math.round(performance.now() - t0);
      prepared.sink.metric('e2b_overhead_ms', overhead, { tags: { transport } });
      prepared.sink.event('remote.worker_ready', {
        transport,
        node: pong.node,
        setup_ms: overhead - createMs,
      });
    },

    async execute(step: ManifestStep, inputs: Record<string, string>): Promise<StepOutcome> {
      if (!run || !channel) throw new OsirisError('internal', 'remote adapter used before prepare');
      // lost between two steps: an adapter failure, not this step's (it never started)
      if (channel.failure) throw channel.failure;
      const started = performance.now();
      try {
        const outcome = await channel.request(createExecCommand(step, inputs));
        run.sink.event('remote.step_roundtrip', {
          step_id: step.id,
          roundtrip_ms: Math.round(performance.now() - started),
        });
        if (outcome.ok) for (const f of outcome.outputFiles) outputFiles.add(f);
        // the worker reports project-relative paths; the host's are absolute, where a local run writes them
        return { ...outcome, outputFiles: outcome.outputFiles.map((f) => join(run?.projectDir ?? '', f)) };
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
    },

    async collect() {
      if (!run) return;
      const prepared = run;
      prepared.signal.removeEventListener('abort', onAbort);
      try {
        if (!sandbox && creating) {
          // aborted during create: wait for it, so the sandbox it makes is killed, not leaked
          sandbox = await creating.catch(() => undefined);
          creating = undefined;
          if (sandbox)
            prepared.sink.event('remote.sandbox_created', {
              transport,
              sandbox_id: sandbox.id,
              after_abort: true,
            });
        }
        if (!sandbox || !channel || !proc) return;
        if (!channel.failure && !prepared.signal.aborted) {
          try {
            await channel.request({ cmd: 'cleanup', archive_path: ARCHIVE_PATH });
            exiting = true; // from here on the worker may end: stdin closes below
            await downloadArtifacts(sandbox, prepared, transport);
            await proc.closeStdin().catch(() => undefined);
          } catch (error) {
            // lost during cleanup: still bring back what can be, then report the loss
            if (channel.failure)
              await recoverArtifacts(
                sandbox,
                prepared,
                transport,
                [...outputFiles],
                options.recoverMs ?? 15_000,
              );
            throw error;
          }
        } else {
          exiting = true;
          await proc.kill().catch(() => undefined);
          await recoverArtifacts(sandbox, prepared, transport, [...outputFiles], options.recoverMs ?? 15_000);
        }
      } finally {
        exiting = true;
        channel?.close();
        await proc?.kill().catch(() => undefined);
        await killSandbox();
        run = undefined;
      }
    },
  };
}
