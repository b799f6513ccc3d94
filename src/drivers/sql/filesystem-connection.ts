// Where a file component's `path` points: the project directory, or the base_dir of the step's
// `@filesystem.<alias>` connection (resolved at run time, like every connection; the cfg keeps the reference).
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import type { ResolvedConnection } from '../../core/connection.js';
import type { StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';
import type { ProbeResult } from './probe-connection.js';

/** The `connection` config key of the file components (its JSON Schema). */
export const FILESYSTEM_CONNECTION_PROPERTY = {
  type: 'string',
  minLength: 1,
  description:
    'A filesystem connection "@filesystem.<alias>": path is then relative to its base_dir (which must be a directory).',
} as const;

/** A file path of a step, resolved, and how messages show it. */
export interface StepFilePath {
  /** Absolute path. */
  absolute: string;
  /** `config.path "x.csv"`, with the connection and its base_dir when there is one. */
  shown: string;
}

/**
 * Whether a relative path stays inside its base directory by its text (`a/../b` does, `../b` does not).
 * Symbolic links are not followed: base_dir is the user's own directory.
 */
function isInside(path: string): boolean {
  const clean = normalize(path);
  return clean !== '..' && !clean.startsWith(`..${sep}`);
}

/**
 * base_dir of the connection against the project directory; connection_error unless it is a directory.
 * The message names base_dir as written, not the absolute path: a sandbox's differs from the host's,
 * and the local and remote sessions of one run must compare equal.
 */
async function resolveBaseDir(
  ctx: StepContext,
  connection: ResolvedConnection,
  ref: string,
): Promise<string> {
  const where = `step ${ctx.stepId} config.connection`;
  const baseDir = connection.fields['base_dir'];
  if (typeof baseDir !== 'string' || baseDir === '')
    throw new OsirisError('connection_error', `connection ${ref} has no base_dir`, { where });
  const absolute = resolve(ctx.projectDir, baseDir);
  const kind = await stat(absolute).catch(() => undefined);
  if (!kind?.isDirectory()) {
    const what = kind ? 'is not a directory' : 'does not exist';
    throw new OsirisError(
      'connection_error',
      `connection ${ref}: base_dir '${baseDir}' ${what}${isAbsolute(baseDir) ? '' : ' (relative to the project directory)'}`,
      { where },
    );
  }
  return absolute;
}

/**
 * The file a step's `key` names: against the project directory, or, with a filesystem connection,
 * against its base_dir. With a connection an absolute path is a config_error naming both keys (the
 * connection would be ignored), and so is a path leaving base_dir.
 */
export async function resolveStepFile(
  ctx: StepContext,
  config: Record<string, unknown>,
  connection: ResolvedConnection | undefined,
  key = 'path',
): Promise<StepFilePath> {
  const path = config[key];
  if (typeof path !== 'string' || path === '')
    throw new OsirisError('config_error', `config.${key} must be a non-empty string`, { where: ctx.stepId });
  if (connection === undefined)
    return { absolute: resolve(ctx.projectDir, path), shown: `config.${key} "${path}"` };
  const ref =
    typeof config['connection'] === 'string' ? config['connection'] : `@filesystem.${connection.alias}`;
  if (isAbsolute(path) || !isInside(path)) {
    const why = isAbsolute(path) ? 'is absolute' : 'leaves base_dir';
    throw new OsirisError(
      'config_error',
      `config.${key} '${path}' ${why}, but config.connection '${ref}' makes it relative to that connection's base_dir; give a path inside base_dir, or drop config.connection`,
      { where: `step ${ctx.stepId} config.${key}` },
    );
  }
  const baseDir = await resolveBaseDir(ctx, connection, ref);
  const shown = `config.${key} "${path}" in ${ref} (base_dir ${String(connection.fields['base_dir'])})`;
  return { absolute: resolve(baseDir, path), shown };
}

/**
 * `connections doctor` for a filesystem connection: there is no server, so the check is that base_dir
 * (relative to the project directory) exists and is a directory. Never throws.
 */
export function probeFilesystemConnection(connection: ResolvedConnection, projectDir: string): ProbeResult {
  const started = performance.now();
  const baseDir = connection.fields['base_dir'];
  const absolute = typeof baseDir === 'string' && baseDir !== '' ? resolve(projectDir, baseDir) : undefined;
  const kind = absolute === undefined ? undefined : statSync(absolute, { throwIfNoEntry: false });
  const latencyMs = Math.round(performance.now() - started);
  if (kind?.isDirectory()) return { ok: true, latencyMs, serverVersion: `base_dir ${absolute}` };
  const problem =
    absolute === undefined
      ? 'has no base_dir'
      : `base_dir '${String(baseDir)}' ${kind ? 'is not a directory' : 'does not exist'} (${absolute})`;
  return { ok: false, latencyMs, error: problem, errorCode: 'connection_error' };
}
