import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DriverTable, ExecutionAdapter } from '../index.js';
import { OsirisError } from '../index.js';
import type { Transport } from '../remote/index.js';
import {
  createE2bTransport,
  createLocalTransport,
  createRemoteAdapter,
  createSandboxPool,
} from '../remote/index.js';
import type { ExecutionTarget, RemoteRunOptions } from './execution-target.js';
import { parsePositiveInt } from './execution-target.js';

/** Host variables a local sandbox sees (the rest of the host environment never reaches it). */
const LOCAL_SANDBOX_ENV = ['PATH', 'LANG', 'TZ'] as const;
/**
 * The sandbox's lifetime is a lease the host renews every third of it while it is alive: a host killed
 * with -9 leaves a sandbox (and its bill) for at most this long, whatever the run timeout.
 */
const SANDBOX_LEASE_MS = 120_000;
/** npm settings passed to a local sandbox when it installs dependencies. */
const NPM_SETTINGS = [
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_offline',
  'npm_config_prefer_offline',
] as const;

/**
 * The directory whose node_modules holds Osiris's dependencies: the clone itself, or, for an installed
 * package (`<app>/node_modules/osiris-pipeline`), the app that npm hoisted them into.
 */
function findDependencyRoot(installDir: string): string {
  for (let dir = installDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@duckdb', 'node-api', 'package.json'))) return dir;
    if (dirname(dir) === dir) return installDir;
  }
}

/** `--e2b-create-rate`: sandbox creates per second, a positive number. */
function parseCreateRate(text: string): number {
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new OsirisError('usage', `--e2b-create-rate expects creates per second (> 0), got '${text}'`);
  return rate;
}

/** Adapters for the runs of one `osiris run`, and the sandboxes they share. */
export interface SandboxTarget {
  /** The adapter factory for runPipeline; `fresh` never reuses a pooled sandbox (a retry after a loss). */
  createAdapter(fresh?: boolean): (drivers: DriverTable) => ExecutionAdapter;
  /** Kill every sandbox still held (end of a batch, Ctrl-C). */
  close(): Promise<void>;
}

/**
 * The sandbox target of a run, or undefined for in-process local runs. With `poolSize`, its runs share
 * at most that many sandboxes, each wiped between runs; without, each run gets a new one.
 */
export function createSandboxTarget(
  target: ExecutionTarget,
  opts: RemoteRunOptions,
  env: Record<string, string | undefined>,
  timeoutMs: number,
  /** Package root (holds dist/worker; where its dependencies are installed is the default local sandbox template). */
  installDir: string,
  poolSize?: number,
): SandboxTarget | undefined {
  if (target === 'local') return undefined;
  const cpu = parsePositiveInt(opts.cpu, '--cpu');
  const memoryMb = parsePositiveInt(opts.memoryMb, '--memory-mb');
  const installDeps = Boolean(opts.e2bInstallDeps) || env.OSIRIS_E2B_INSTALL_DEPS === '1';
  const transport = createTransport(target, opts, env, installDeps, installDir);
  const sandboxes = poolSize === undefined ? undefined : createSandboxPool(transport, poolSize);
  const workerDir = join(installDir, 'dist', 'worker');
  return {
    // the remote adapter takes the run's connections from the prepared run, like the local one
    createAdapter:
      (fresh = false) =>
      (drivers) =>
        createRemoteAdapter({
          transport,
          ...(sandboxes ? { sandboxes } : {}),
          freshSandbox: fresh,
          sandbox: {
            cpu,
            memoryMb,
            timeoutMs: Math.min(timeoutMs > 0 ? timeoutMs + 60_000 : SANDBOX_LEASE_MS, SANDBOX_LEASE_MS),
            template: target === 'e2b' ? opts.e2bTemplate : undefined,
          },
          installDeps,
          workerDir,
          drivers,
        }),
    close: async () => sandboxes?.close(),
  };
}

function createTransport(
  target: 'e2b' | 'sandbox-local',
  opts: RemoteRunOptions,
  env: Record<string, string | undefined>,
  installDeps: boolean,
  installDir: string,
): Transport {
  return target === 'e2b'
    ? createE2bTransport({
        ...(env.E2B_API_KEY ? { apiKey: env.E2B_API_KEY } : {}),
        ...(env.E2B_API_URL ? { apiUrl: env.E2B_API_URL } : {}),
        ...(env.E2B_SANDBOX_URL ? { sandboxUrl: env.E2B_SANDBOX_URL } : {}),
        ...(env.E2B_DOMAIN ? { domain: env.E2B_DOMAIN } : {}),
        createsPerSecond: parseCreateRate(opts.e2bCreateRate ?? '1'),
      })
    : createLocalTransport({
        template: env.OSIRIS_LOCAL_SANDBOX_TEMPLATE ?? findDependencyRoot(installDir),
        keepAfterKill: env.OSIRIS_LOCAL_SANDBOX_KEEP === '1',
        // npm inside the sandbox may use the host's cache and registry settings (paths and URLs, never tokens)
        ...(installDeps ? { inheritEnv: [...LOCAL_SANDBOX_ENV, ...NPM_SETTINGS] } : {}),
      });
}
