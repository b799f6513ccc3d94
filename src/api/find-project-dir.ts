import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Marker file of a project directory. */
export const PROJECT_MARKER = 'osiris.yaml';

/** Nearest directory at or above `startDir` holding osiris.yaml, or undefined. */
export function findMarkedProjectDir(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    if (existsSync(join(dir, PROJECT_MARKER))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Project directory of an OML file: nearest marked dir, else the file's own directory. */
export function findProjectDir(omlFile: string): string {
  return findMarkedProjectDir(dirname(resolve(omlFile))) ?? dirname(resolve(omlFile));
}
