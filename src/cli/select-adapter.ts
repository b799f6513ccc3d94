import { fileURLToPath } from 'node:url';
import type { RunConnections } from '../api/resolve-run-connections.js';
import type { DriverTable, ExecutionAdapter } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import { createRemoteAdapter } from '../remote/remote-adapter.js';
import { createE2bTransport } from '../remote/transports/e2b-transport.js';
import { createLocalTransport } from '../remote/transports/local-transport.js';
import type { Transport } from '../remote/transport.js';

/** Host variables a local sandbox sees (the rest of the host environment never reaches it). */
const LOCAL_SANDBOX_ENV = ['PATH', 'LANG', 'TZ'] as const;
/** npm settings passed to a local sandbox when it installs dependencies. */
const NPM_SETTINGS = [
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_offline',
  'npm_config_prefer_offline',
] as const;

/** Where `osiris run` executes steps. */
export const EXECUTION_TARGETS = ['local', 'sandbox-local', 'e2b'] as const;
export type ExecutionTarget = (typeof EXECUTION_TARGETS)[number];

/** Remote options of `osiris run`. */
export interface RemoteRunOptions {
  e2b?: boolean;
  sandbox?: string;
  cpu: string;
  memoryMb: string;
  e2bTemplate?: string;
  e2bInstallDeps?: boolean;
}

/** --e2b / --sandbox e2b|local, else OSIRIS_EXECUTION_TARGET (local | sandbox-local | e2b), else local. */
export function selectExecutionTarget(
  opts: RemoteRunOptions,
  env: Record<string, string | undefined>,
): ExecutionTarget {
  if (opts.e2b && opts.sandbox && opts.sandbox !== 'e2b')
    throw new OsirisError('usage', `--e2b contradicts --sandbox ${opts.sandbox}`);
  if (opts.e2b) return 'e2b';
  if (opts.sandbox !== undefined) {
    if (opts.sandbox === 'e2b') return 'e2b';
    if (opts.sandbox === 'local') return 'sandbox-local';
    throw new OsirisError('usage', `--sandbox expects e2b or local, got '${opts.sandbox}'`);
  }
  const fromEnv = env.OSIRIS_EXECUTION_TARGET;
  if (fromEnv === undefined || fromEnv === '') return 'local';
  if ((EXECUTION_TARGETS as readonly string[]).includes(fromEnv)) return fromEnv as ExecutionTarget;
  throw new OsirisError(
    'usage',
    `OSIRIS_EXECUTION_TARGET must be one of ${EXECUTION_TARGETS.join(', ')}, got '${fromEnv}'`,
  );
}

function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new OsirisError('usage', `${flag} expects a positive whole number, got '${text}'`);
  return n;
}

/** Secrets of the remote setup itself (the E2B API key), masked like connection secrets. */
export function listTransportSecrets(env: Record<string, string | undefined>): string[] {
  return env.E2B_API_KEY ? [env.E2B_API_KEY] : [];
}

/** Build the adapter factory for runPipeline, or undefined for in-process local runs. */
export function createAdapterFactory(
  target: ExecutionTarget,
  opts: RemoteRunOptions,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): ((drivers: DriverTable, connections: RunConnections) => ExecutionAdapter) | undefined {
  if (target === 'local') return undefined;
  const cpu = parsePositiveInt(opts.cpu, '--cpu');
  const memoryMb = parsePositiveInt(opts.memoryMb, '--memory-mb');
  const installDeps = Boolean(opts.e2bInstallDeps) || env.OSIRIS_E2B_INSTALL_DEPS === '1';
  const transport: Transport =
    target === 'e2b'
      ? createE2bTransport({
          ...(env.E2B_API_KEY ? { apiKey: env.E2B_API_KEY } : {}),
          ...(env.E2B_API_URL ? { apiUrl: env.E2B_API_URL } : {}),
          ...(env.E2B_SANDBOX_URL ? { sandboxUrl: env.E2B_SANDBOX_URL } : {}),
          ...(env.E2B_DOMAIN ? { domain: env.E2B_DOMAIN } : {}),
        })
      : createLocalTransport({
          template: env.OSIRIS_LOCAL_SANDBOX_TEMPLATE ?? fileURLToPath(new URL('..', import.meta.url)),
          keepAfterKill: env.OSIRIS_LOCAL_SANDBOX_KEEP === '1',
          // npm inside the sandbox may use the host's cache and registry settings (paths and URLs, never tokens)
          ...(installDeps ? { inheritEnv: [...LOCAL_SANDBOX_ENV, ...NPM_SETTINGS] } : {}),
        });
  const workerDir = fileURLToPath(new URL('./worker', import.meta.url));
  return (drivers, connections) =>
    createRemoteAdapter({
      transport,
      sandbox: {
        cpu,
        memoryMb,
        timeoutMs: timeoutMs > 0 ? timeoutMs + 60_000 : 3_600_000,
        template: target === 'e2b' ? opts.e2bTemplate : undefined,
      },
      installDeps,
      workerDir,
      drivers,
      secrets: {
        connections: Object.fromEntries(connections.resolved),
        connection_errors: Object.fromEntries(connections.errors),
      },
    });
}
