// Shared state of one fake E2B: sandboxes (each a temp dir mapped onto the sandbox's `/`), what the fake
// received (for assertions and secret-canary scans) and the armed faults.
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';

/** Home directory of the sandbox user, as envd resolves relative paths. */
export const SANDBOX_HOME = '/home/user';

/** A process started through `process.Process/Start`. */
export interface FakeProcess {
  /** Host pid (also the pid reported to the SDK). */
  pid: number;
  /** The child (spawned detached: its pid is its process group). */
  child: ChildProcess;
  /** Whether stdin is a pipe (StartRequest.stdin === true). */
  stdin: boolean;
  /** True once the child has exited. */
  ended: boolean;
}

/** A sandbox created through the fake control plane. */
export interface FakeSandbox {
  /** Sandbox id (distinct per create). */
  id: string;
  /** Template id from the create body. */
  templateId: string;
  /** Host directory that stands for the sandbox's `/`. */
  root: string;
  /** envd access token returned at create and required on RPCs. */
  accessToken: string;
  /** Metadata from the create body. */
  metadata: Record<string, string>;
  /** Creation time. */
  startedAt: Date;
  /** When the sandbox times out (renewed by POST /sandboxes/{id}/timeout). */
  endAt: Date;
  /** Lifetime timer. */
  timer: NodeJS.Timeout | undefined;
  /** Processes by pid. */
  processes: Map<number, FakeProcess>;
  /** False once killed or timed out. */
  alive: boolean;
}

/** One `Start` as envd received it. */
export interface ReceivedStart {
  /** Sandbox id from the `E2b-Sandbox-Id` header. */
  sandboxId: string;
  /** Executable (the SDK always sends /bin/bash). */
  cmd: string;
  /** Arguments (`-l -c <command>`). */
  args: string[];
  /** Environment given in the request, exactly. */
  envs: Record<string, string>;
  /** Sandbox cwd. */
  cwd: string | undefined;
  /** StartRequest.stdin. */
  stdin: boolean | undefined;
  /** Connect-Timeout-Ms of the request, if any. */
  timeoutMs: number | undefined;
}

/** Everything the fake received, for assertions. */
export interface FakeE2bStats {
  /** Sandboxes created. */
  created: number;
  /** Sandboxes killed (DELETE or lifetime expiry). */
  killed: number;
  /** Sandboxes alive now. */
  alive(): number;
  /** Body of the last POST /v2/sandboxes that succeeded. */
  lastCreateBody: Record<string, unknown> | undefined;
  /** Create attempts, including refused ones. */
  createAttempts: number;
  /** Most sandboxes alive at one time. */
  peakAlive: number;
  /** Creates refused because `maxAlive` sandboxes were alive. */
  refusedOverCap: number;
  /** Creates refused because they came faster than `createsPerSecond`. */
  refusedOverRate: number;
  /** POST /sandboxes/{id}/timeout calls. */
  timeoutCalls: { sandboxId: string; timeout: number }[];
  /** What envd received. */
  envdRequests: {
    /** Method and path (without query) of every envd request. */
    paths: string[];
    /** Every process start. */
    starts: ReceivedStart[];
    /** Every uploaded file with its bytes. */
    uploads: { sandboxId: string; path: string; bytes: Buffer }[];
    /** Every stdin chunk. */
    stdin: Buffer[];
  };
}

/** Mutable fault switches; the public `faults` API sets them. */
export interface FaultState {
  createFailures: { status: number; remaining: number; retryAfterS: number | undefined }[];
  dropStreamAfterMs: number | undefined;
  dropStreamRemaining: number;
  stdoutDelayMs: number;
  loseOutput: boolean;
  healthStatus: number;
}

/** The fake's whole state, shared by control plane and envd. */
export interface FakeState {
  apiKey: string;
  sandboxes: Map<string, FakeSandbox>;
  stats: FakeE2bStats;
  faults: FaultState;
  keepFilesAfterKill: boolean;
  /** templateID → host directory whose node_modules is linked into the sandbox home. */
  templates: Record<string, string>;
  /** The account's limits (429 beyond them). */
  limits: FakeLimits;
  /** Times of the accepted creates of the last second (for the rate limit). */
  recentCreates: number[];
}

/** Account limits the fake enforces like E2B does (a 429 on create). */
export interface FakeLimits {
  /** Sandboxes alive at once. */
  maxAlive?: number;
  /** Sandbox creates per second. */
  createsPerSecond?: number;
  /** Time a create takes before it answers (a real one takes ~0.3-1 s); default 0. */
  createDelayMs?: number;
}

/** Fresh state for one fake. */
export function createFakeState(
  apiKey: string,
  keepFilesAfterKill: boolean,
  templates: Record<string, string> = {},
  limits: FakeLimits = {},
): FakeState {
  const sandboxes = new Map<string, FakeSandbox>();
  return {
    apiKey,
    sandboxes,
    keepFilesAfterKill,
    templates,
    limits,
    recentCreates: [],
    stats: {
      created: 0,
      killed: 0,
      alive: () => [...sandboxes.values()].filter((s) => s.alive).length,
      lastCreateBody: undefined,
      createAttempts: 0,
      peakAlive: 0,
      refusedOverCap: 0,
      refusedOverRate: 0,
      timeoutCalls: [],
      envdRequests: { paths: [], starts: [], uploads: [], stdin: [] },
    },
    faults: createFaultState(),
  };
}

/** No faults armed. */
export function createFaultState(): FaultState {
  return {
    createFailures: [],
    dropStreamAfterMs: undefined,
    dropStreamRemaining: 0,
    stdoutDelayMs: 0,
    loseOutput: false,
    healthStatus: 204,
  };
}

/** Absolute sandbox path for a path as the SDK sent it (relative paths resolve against the home). */
export function resolveSandboxPath(path: string): string {
  return posix.resolve(SANDBOX_HOME, path);
}

/**
 * Host path for a sandbox path: `<root>/<abs sandbox path>`. Processes run unconfined on the host, so
 * only cwd-relative paths inside commands behave as in a real sandbox: `node /app/worker.js` would look
 * for the host's `/app/worker.js`, while cwd `/app` plus `node worker.js` works.
 */
export function toHostPath(sandbox: FakeSandbox, path: string): string {
  return join(sandbox.root, resolveSandboxPath(path));
}

/** Kill every process of the sandbox and mark it dead; removes its directory unless kept. */
export async function destroySandbox(state: FakeState, sandbox: FakeSandbox): Promise<void> {
  if (!sandbox.alive) return;
  sandbox.alive = false;
  state.stats.killed += 1;
  if (sandbox.timer) clearTimeout(sandbox.timer);
  for (const proc of sandbox.processes.values()) killProcessGroup(proc, 'SIGKILL');
  if (!state.keepFilesAfterKill) await rm(sandbox.root, { recursive: true, force: true });
}

/** Signal the whole process group of a fake process (bash -l -c may fork). */
export function killProcessGroup(proc: FakeProcess, signal: NodeJS.Signals): boolean {
  if (proc.ended) return false;
  try {
    process.kill(-proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The live sandbox an envd request is for (routed by `E2b-Sandbox-Id`, as E2B's edge does). */
export function findSandbox(state: FakeState, sandboxId: string | null | undefined): FakeSandbox | undefined {
  const sandbox = sandboxId ? state.sandboxes.get(sandboxId) : undefined;
  return sandbox?.alive ? sandbox : undefined;
}
