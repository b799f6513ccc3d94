import { statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';
import { makeDirectory } from '../../core/make-directory.js';

/** What a file writer wrote. */
/** The `path` config key of a file writer (its JSON Schema). */
export const OUTPUT_PATH_PROPERTY = {
  type: 'string',
  minLength: 1,
  description:
    'Target file; a relative path resolves against the project directory. Parent directories are created.',
};

export interface WrittenFile {
  /** Absolute path of the target. */
  target: string;
  /** The target relative to the project directory, with `/` (for logs and events). */
  shown: string;
  /** Rows written. */
  rows: number;
}

/** The one input step of a file writer; input_error when there is none or more than one. */
export function readSingleInput(component: string, inputs: Record<string, string>, stepId: string): string {
  const sources = Object.values(inputs);
  const [input] = sources;
  if (sources.length !== 1 || input === undefined) {
    throw new OsirisError(
      'input_error',
      `${component} needs exactly one input, got ${sources.length} (set needs: [<step>])`,
      { where: stepId },
    );
  }
  return input;
}

/**
 * Longest target file name (bytes): file systems hold 255 (ext4, xfs, btrfs, tmpfs, APFS), and the temp
 * file beside the target, `.<name>.<pid>.<ms>.tmp.utf8`, takes up to 33 more (the dead-run sweep knows
 * that form, so the name is not shortened).
 */
const NAME_MAX = 222;

/** Why `target` cannot be written whole by a rename, or undefined when it can. */
function findTargetProblem(target: string): string | undefined {
  const bytes = Buffer.byteLength(basename(target));
  if (bytes > NAME_MAX)
    return `its file name is ${bytes} bytes long; at most ${NAME_MAX} fit beside the temp file a write needs`;
  let found: Stats | undefined;
  try {
    found = statSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined; // a parent that is a file, or no access: creating the directory says which
  }
  // A rename over a device, pipe or directory would replace it (think /dev/null), not write into it.
  if (found && !found.isFile()) {
    const kind = found.isDirectory() ? 'a directory' : 'not a regular file (a device, pipe or socket)';
    return `it is ${kind}; a writer replaces its target whole, so it writes regular files only`;
  }
  return undefined;
}

/** Check the target and create its directory; io_error naming the step and the path when either fails. */
function prepareTarget(target: string, stepId: string): string {
  const problem = findTargetProblem(target);
  if (problem)
    throw new OsirisError('io_error', `cannot write ${target}: ${problem} (config.path)`, { where: stepId });
  const dir = dirname(target);
  try {
    makeDirectory(dir);
  } catch (error) {
    throw new OsirisError(
      'io_error',
      `cannot create directory ${dir} for ${target} (config.path): ${(error as Error).message}`,
      { where: stepId, cause: error },
    );
  }
  return dir;
}

/**
 * Write a file writer's output atomically: `write` fills a temp file in the target directory (same file
 * system), renamed over the target at the end, so a failed step never leaves half a file. `path` is
 * relative to the project directory; parent directories are created. Errors name this step.
 */
export async function writeOutputFile(
  ctx: StepContext,
  path: string,
  write: (temp: string) => Promise<number>,
): Promise<WrittenFile> {
  // resolve() drops a trailing slash: `out/` would become a file named `out`
  if (/[/\\]$/.test(path))
    throw new OsirisError('io_error', `cannot write ${path}: it names a directory (config.path)`, {
      where: ctx.stepId,
    });
  const target = resolve(ctx.projectDir, path);
  const dir = prepareTarget(target, ctx.stepId);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  let rows: number;
  try {
    if (ctx.signal.aborted) throw new OsirisError('interrupted', 'write interrupted before it started');
    rows = await write(temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof OsirisError) {
      // The data plane labels errors with the table's step id; this step is the one that failed.
      const message = error.where ? error.message.slice(error.where.length + 2) : error.message;
      throw new OsirisError(error.code, message, { where: ctx.stepId, cause: error });
    }
    throw new OsirisError('io_error', `cannot write ${target}: ${(error as Error).message}`, {
      where: ctx.stepId,
      cause: error,
    });
  }
  return { target, shown: relative(ctx.projectDir, target).split(sep).join('/'), rows };
}
