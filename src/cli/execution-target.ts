import { OsirisError } from '../index.js';
// Which adapter `osiris run` uses; kept apart from select-adapter.ts so local runs never load the
// remote transports (the e2b SDK alone costs ~100 ms of startup).

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
  e2bCreateRate?: string;
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

/** A positive whole number from an option, or a usage error naming the flag. */
export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new OsirisError('usage', `${flag} expects a positive whole number, got '${text}'`);
  return n;
}

const MEMORY_SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** `--memory-limit`: a size DuckDB accepts (e.g. `512MB`, `1.5GB`, `2GiB`), checked before a session exists. */
export function parseMemoryLimit(text: string, flag = '--memory-limit'): string {
  const value = text.trim();
  if (!MEMORY_SIZE.test(value) || Number.parseFloat(value) <= 0)
    throw new OsirisError(
      'usage',
      `${flag} expects a size such as 512MB, 1.5GB or 2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got '${text}'`,
    );
  return value;
}

/** Secrets of the remote setup itself (the E2B API key), masked like connection secrets. */
export function listTransportSecrets(env: Record<string, string | undefined>): string[] {
  return env.E2B_API_KEY ? [env.E2B_API_KEY] : [];
}
