// Every path an MCP client names is confined to the project directory: an agent's tool call must not
// read or write outside it, whether by `..`, an absolute path or a symlink that points out.
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OsirisError } from '../index.js';

/** The real path of `path` (an existing file, or a new one in an existing or new directory). */
function resolveRealPath(abs: string, given: string): string {
  const missing: string[] = [];
  let existing = abs;
  // lstat, not exists: a dangling symlink exists as a link, and writing through it would follow it out
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) break;
      missing.unshift(existing.slice(parent.length).replace(/^[\\/]/, ''));
      existing = parent;
    }
  }
  try {
    return join(realpathSync(existing), ...missing);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OsirisError('usage', `path '${given}': cannot resolve it (${code}; a dangling symlink?)`);
  }
}

/** Whether `real` is `root` or inside it (both real paths). */
function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * The real absolute path of a path an MCP client gave (relative to the project directory, or absolute
 * inside it); `..` out of the project, an absolute path elsewhere and a symlink leading out are usage
 * errors. `root` must itself be a real path.
 */
export function confinePath(root: string, given: unknown, what = 'path'): string {
  if (typeof given !== 'string' || given.trim() === '' || given.includes('\0'))
    throw new OsirisError('usage', `${what} must be a non-empty path inside the project directory`);
  const abs = isAbsolute(given) ? resolve(given) : resolve(root, given);
  const real = resolveRealPath(abs, given);
  if (!isInside(root, real))
    throw new OsirisError(
      'usage',
      `${what} '${given}' is outside the project directory ${root}${real === abs ? '' : ` (it resolves to ${real})`}: only paths inside it are allowed`,
    );
  return real;
}

/** The confined path relative to the project directory (what tool results show). */
export function confineRelative(root: string, given: unknown, what = 'path'): string {
  return relative(root, confinePath(root, given, what)) || '.';
}
