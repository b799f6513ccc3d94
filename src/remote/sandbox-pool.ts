// Where a remote run gets its sandbox from: a new one per run (the default), or a bounded pool whose
// sandboxes serve successive runs of a batch (docs/remote-execution.md, "Batches and pools").
import { OsirisError } from '../core/errors.js';
import type { Sandbox, SandboxRequest, Transport } from './transport.js';

/** A sandbox lent to one run. */
export interface SandboxLease {
  /** The sandbox. */
  readonly sandbox: Sandbox;
  /** True when an earlier run of the batch used it (then wiped) rather than a new create. */
  readonly reused: boolean;
  /** Runs it served before this one. */
  readonly servedBefore: number;
}

/** What a release did with the sandbox. */
export interface ReleaseResult {
  /** `returned` to the pool (wiped, its worker gone) or `killed`. */
  readonly outcome: 'returned' | 'killed';
  /** Time the wipe took (returned only). */
  readonly wipeMs?: number;
}

/** A source of sandboxes for remote runs. */
export interface SandboxSource {
  /** Lend a sandbox for one run; `fresh` never reuses one (a retry after a lost worker). */
  acquire(request: SandboxRequest, options?: { fresh?: boolean }): Promise<SandboxLease>;
  /** Take it back: a `reusable` one (its run ended cleanly and its worker exited) may serve the next run. */
  release(lease: SandboxLease, reusable: boolean): Promise<ReleaseResult>;
  /** Kill every sandbox the source still holds and refuse later acquires; idempotent. */
  close(): Promise<void>;
}

/** One new sandbox per run, killed at its end (single runs). */
export function createSingleUseSandboxes(transport: Transport): SandboxSource {
  return {
    acquire: async (request) => ({
      sandbox: await transport.create(request),
      reused: false,
      servedBefore: 0,
    }),
    release: async ({ sandbox }) => {
      await sandbox.kill();
      return { outcome: 'killed' };
    },
    close: async () => undefined,
  };
}

/**
 * Everything in the work directory but `node_modules` (dependencies installed by an earlier run: public
 * packages, no session data). The worker keeps all of a run's files there: its inputs, outputs, the
 * DuckDB data plane and its spill directory, the commands and the artifacts archive.
 */
const WIPE_COMMAND = [
  'sh',
  '-c',
  'find . -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} + && [ -z "$(ls -A | grep -vx node_modules)" ]',
];

interface Pooled {
  sandbox: Sandbox;
  served: number;
}

/**
 * At most `size` sandboxes alive at once; a run that ends cleanly returns its sandbox, wiped, for the
 * next run; a sandbox whose run was lost, aborted or timed out is killed. Acquires beyond the cap wait.
 */
export function createSandboxPool(transport: Transport, size: number): SandboxSource {
  const idle: Pooled[] = [];
  const waiters: (() => void)[] = [];
  let live = 0;
  let closed = false;
  const wake = (): void => waiters.splice(0).forEach((w) => w());
  const discard = async (sandbox: Sandbox): Promise<void> => {
    live--;
    wake();
    await sandbox.kill().catch(() => undefined);
  };
  const takeIdle = async (request: SandboxRequest): Promise<SandboxLease | undefined> => {
    for (let p = idle.shift(); p; p = idle.shift()) {
      // an idle sandbox may have outlived its lifetime: renew it, or let it go and look further
      const alive = await p.sandbox.keepAlive(request.timeoutMs).then(
        () => true,
        () => false,
      );
      if (alive) return { sandbox: p.sandbox, reused: true, servedBefore: p.served };
      await discard(p.sandbox);
    }
    return undefined;
  };
  const create = async (request: SandboxRequest): Promise<SandboxLease> => {
    live++;
    try {
      const sandbox = await transport.create(request);
      return { sandbox, reused: false, servedBefore: 0 };
    } catch (error) {
      live--;
      wake();
      throw error;
    }
  };
  const pool: SandboxSource = {
    async acquire(request, options = {}) {
      for (;;) {
        if (closed) throw new OsirisError('interrupted', 'the sandbox pool is closed');
        if (!options.fresh) {
          const lease = await takeIdle(request);
          if (lease) return lease;
        }
        if (live < size) return create(request);
        // a fresh sandbox at the cap: make room by letting an idle one go
        const spare = options.fresh ? idle.shift() : undefined;
        if (spare) await discard(spare.sandbox);
        else await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async release({ sandbox, servedBefore }, reusable) {
      if (!reusable || closed) {
        await discard(sandbox);
        return { outcome: 'killed' };
      }
      const t0 = performance.now();
      if (!(await wipe(sandbox))) {
        await discard(sandbox);
        return { outcome: 'killed' };
      }
      // the lease says how many runs it served: this one more
      idle.push({ sandbox, served: servedBefore + 1 });
      wake();
      return { outcome: 'returned', wipeMs: Math.round(performance.now() - t0) };
    },
    async close() {
      closed = true;
      const all = idle.splice(0);
      await Promise.all(all.map((p) => discard(p.sandbox)));
      wake();
    },
  };
  return pool;
}

/** Empty the work directory; false when that could not be done (the sandbox is then killed). */
async function wipe(sandbox: Sandbox): Promise<boolean> {
  try {
    const proc = await sandbox.start(WIPE_COMMAND, {}, { onStdout: () => {}, onStderr: () => {} });
    await proc.closeStdin().catch(() => undefined);
    return (await proc.exited) === 0;
  } catch {
    return false;
  }
}
