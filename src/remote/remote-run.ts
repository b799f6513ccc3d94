// The state of one remote run (RemoteRun and its phase) and the end of it: cleanup, collect, kill.
import type { DriverTable, PreparedRun } from '../core/index.js';
import { downloadArtifacts, recoverArtifacts } from './collect-artifacts.js';
import { ARCHIVE_PATH } from './remote-plan.js';
import type { SandboxLease, SandboxSource } from './sandbox-pool.js';
import type { Sandbox, SandboxProcess, Transport } from './transport.js';
import type { WorkerChannel } from './worker-channel.js';

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
  /** Where sandboxes come from (default: a new one per run from `transport`, killed at its end). */
  sandboxes?: SandboxSource;
  /** Never reuse a pooled sandbox for this run (a retry after a lost worker). */
  freshSandbox?: boolean;
}

/**
 * Where a remote run is, in order. Each phase holds what the earlier ones made; `kill` is entered from
 * any phase when the worker is lost, and at the end of collect. The worker may exit without being lost
 * only in `collect` (after its cleanup answer) and `kill`.
 */
export type RemotePhase =
  'create' | 'upload' | 'start' | 'handshake' | 'steps' | 'cleanup' | 'collect' | 'kill';

/** One remote run, from prepare to collect. */
export interface RemoteRun {
  phase: RemotePhase;
  readonly run: PreparedRun;
  readonly options: RemoteAdapterOptions;
  readonly transport: string;
  /** Where the sandbox comes from and goes back to. */
  readonly sandboxes: SandboxSource;
  /** The acquire while it is pending (an abort does not wait for it; collect does). */
  creating?: Promise<SandboxLease>;
  lease?: SandboxLease;
  sandbox?: Sandbox;
  /** Set once the worker cleaned up and its artifacts came back: the sandbox may serve another run. */
  reusable?: boolean;
  keepAlive?: NodeJS.Timeout;
  channel?: WorkerChannel;
  proc?: SandboxProcess;
  /** Project-relative output files of completed steps (what a recovery must bring back too). */
  readonly outputFiles: Set<string>;
  /** Ctrl-C or run timeout: pending requests fail now with the reason; the worker is killed (onLost). */
  readonly onAbort: () => void;
}

/** Move on to `phase`, unless the worker is already being killed. */
export function advance(r: RemoteRun, phase: RemotePhase): void {
  if (r.phase !== 'kill') r.phase = phase;
}

/** cleanup → collect → kill; after a lost worker or an abort, kill at once and recover the artifacts. */
export async function collectRemoteRun(r: RemoteRun): Promise<void> {
  const { run, transport } = r;
  run.signal.removeEventListener('abort', r.onAbort);
  try {
    if (!r.sandbox && r.creating) {
      // aborted during create: wait for it, so the sandbox it makes is killed, not leaked
      r.lease = await r.creating.catch(() => undefined);
      r.sandbox = r.lease?.sandbox;
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
    // a clean end: the sandbox may serve another run once the worker is killed (collect's finally)
    r.reusable = true;
  } catch (error) {
    // lost during cleanup: still bring back what can be, then report the loss
    if (channel.failure) await recover(r, sandbox);
    throw error;
  }
}

function recover(r: RemoteRun, sandbox: Sandbox): Promise<void> {
  return recoverArtifacts(sandbox, r.run, r.transport, [...r.outputFiles], r.options.recoverMs ?? 15_000);
}

/** Give the sandbox back to its source: returned (wiped) for the next run of a pool, or killed. */
async function killSandbox(r: RemoteRun): Promise<void> {
  clearInterval(r.keepAlive);
  const box = r.sandbox;
  const lease = r.lease;
  r.sandbox = undefined;
  r.lease = undefined;
  if (!box || !lease) return;
  const { run, transport } = r;
  const released = await r.sandboxes
    .release(lease, r.reusable === true && !run.signal.aborted)
    .catch((error: unknown) => {
      run.log.warn(`killing sandbox ${box.id} failed: ${String(error)}`);
      return { outcome: 'killed' as const, wipeMs: undefined };
    });
  if (released.outcome === 'returned') {
    run.sink.event('remote.sandbox_returned', { transport, sandbox_id: box.id, wipe_ms: released.wipeMs });
    run.log.info(`remote: sandbox ${box.id} wiped and returned to the pool`);
  } else {
    run.sink.event('remote.sandbox_killed', { transport, sandbox_id: box.id });
    run.log.info(`remote: sandbox ${box.id} killed`);
  }
}
