// Every path the host names in a request (manifest, cfg, archive) must stay inside the worker's
// directory, symlinks included: a request is data, and data must not choose where the worker reads or
// writes. Checked with realpath, so `link/../x` or a symlinked parent cannot lead outside.
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OsirisError } from '../core/index.js';

/** Whether a path is for reading an existing file or for creating/overwriting one. */
export const WORK_PATH_ACCESS = ['read', 'write'] as const;
export type WorkPathAccess = (typeof WORK_PATH_ACCESS)[number];

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function refuse(field: string, path: string, why: string): OsirisError {
  return new OsirisError(
    'protocol_error',
    `${field} '${path.slice(0, 200)}' ${why} (expected a relative path inside the worker directory)`,
  );
}

/**
 * The real absolute path of `path` (relative to `root`) for `access`, or a `protocol_error` naming
 * `field` when it is absolute, climbs out, or reaches outside through a symlink. For writing, the
 * parent must exist and the target must not be a symlink (writing would follow it).
 */
export function resolveWorkPath(root: string, path: string, field: string, access: WorkPathAccess): string {
  if (path === '' || path.includes('\0')) throw refuse(field, path, 'is empty or holds a NUL byte');
  if (isAbsolute(path)) throw refuse(field, path, 'is absolute');
  // `..` is refused outright, even when it would land inside: `link/..` means a different place to the
  // OS than to path.resolve, and the host never sends one
  if (path.split(/[\\/]/).includes('..')) throw refuse(field, path, "climbs with '..'");
  const realRoot = realpathSync(root);
  const lexical = resolve(realRoot, path);
  if (!isInside(realRoot, lexical)) throw refuse(field, path, 'leaves the worker directory');
  let realParent: string;
  try {
    realParent = realpathSync(dirname(lexical));
  } catch {
    throw refuse(field, path, 'is in a directory that does not exist');
  }
  if (realParent !== realRoot && !isInside(realRoot, realParent))
    throw refuse(field, path, 'leads outside the worker directory through a symlink');
  const target = join(realParent, basename(lexical));
  if (access === 'read') {
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      throw refuse(field, path, 'does not exist');
    }
    if (!isInside(realRoot, real))
      throw refuse(field, path, 'leads outside the worker directory through a symlink');
    return real;
  }
  const existing = lstatOrUndefined(target);
  if (existing && !existing.isFile()) throw refuse(field, path, 'exists and is not a regular file');
  return target;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
