import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OsirisError } from '../core/index.js';

/** Marker file of a project directory. */
export const PROJECT_MARKER = 'osiris.yaml';

/** Where a command reads and writes. */
export interface Project {
  /** Anchors logs/, build/, .osiris/, .env and the default connections file. */
  root: string;
  /** Relative data paths in pipelines resolve here (the root inside a project). */
  dataDir: string;
  /** Whether root holds osiris.yaml (or was given with --project-dir). */
  marked: boolean;
}

/** Where to look for the project: everything explicit so callers (and tests) control it. */
export interface ResolveProjectInput {
  /** Current directory: resolves `file` and `projectDir`; the root when no project is found. */
  cwd: string;
  /** The pipeline or manifest a command works on: the search starts at its directory. */
  file?: string;
  /** `--project-dir`: skips the search. */
  projectDir?: string;
}

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

/**
 * The project of a command. `--project-dir` wins; else the nearest osiris.yaml at or above the file's
 * directory (or the current directory for commands without a file) makes the project, so running from a
 * parent directory still finds the project's logs/ and .env. Outside any project the current directory
 * anchors logs/, build/, .osiris/ and .env, and data paths resolve against the pipeline file's directory.
 */
export function resolveProject(input: ResolveProjectInput): Project {
  if (input.projectDir !== undefined) {
    const root = resolve(input.cwd, input.projectDir);
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
      throw new OsirisError('usage', `--project-dir ${input.projectDir}: not a directory (${root})`);
    return { root, dataDir: root, marked: true };
  }
  const fileDir = input.file === undefined ? undefined : dirname(resolve(input.cwd, input.file));
  const marked = findMarkedProjectDir(fileDir ?? input.cwd);
  if (marked) return { root: marked, dataDir: marked, marked: true };
  return { root: resolve(input.cwd), dataDir: fileDir ?? resolve(input.cwd), marked: false };
}
