import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';

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

/** Create the target's directory; io_error naming both when that fails. */
async function makeTargetDirectory(target: string, stepId: string): Promise<string> {
  const dir = dirname(target);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new OsirisError(
      'io_error',
      `cannot create directory ${dir} for ${target}: ${(error as Error).message}`,
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
  const target = resolve(ctx.projectDir, path);
  const dir = await makeTargetDirectory(target, ctx.stepId);
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
