import type { PlatformPath } from 'node:path';
import { OsirisError } from '../../core/errors.js';

/**
 * The absolute path of `path` inside the sandbox directory `dir`, in that sandbox's path flavour (the
 * host's for a local sandbox, posix for E2B); an internal error when it is absolute or would leave `dir`.
 */
export function resolveInside(paths: PlatformPath, dir: string, path: string, where: string): string {
  const target = paths.normalize(paths.join(dir, path));
  if (paths.isAbsolute(path) || !target.startsWith(`${dir}${paths.sep}`)) {
    throw new OsirisError('internal', `path '${path}' must be relative and stay inside ${dir}`, { where });
  }
  return target;
}
