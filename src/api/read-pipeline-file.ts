import { closeSync, openSync, readSync } from 'node:fs';
import { OsirisError } from '../core/index.js';

/** Largest OML file read: pipelines are kilobytes; a 2,000-step one is under 1 MB. */
export const MAX_PIPELINE_BYTES = 16 * 1024 * 1024;

/**
 * Read a pipeline file as bytes (the compiler names a wrong encoding and the offset of its first bad
 * byte), at most MAX_PIPELINE_BYTES: `/dev/zero` or a runaway file fails at once instead of filling
 * memory forever. `shown` is the path as the user typed it; failures are `usage` errors.
 */
export function readPipelineFile(path: string, shown: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new OsirisError('usage', `cannot read pipeline file ${shown}: ${describeCode(error)}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > MAX_PIPELINE_BYTES) {
        const limit = MAX_PIPELINE_BYTES / 1024 / 1024;
        throw new OsirisError(
          'usage',
          `pipeline file ${shown} is larger than ${limit} MB (expected an OML file)`,
        );
      }
    }
  } catch (error) {
    if (error instanceof OsirisError) throw error;
    throw new OsirisError('usage', `cannot read pipeline file ${shown}: ${describeCode(error)}`);
  } finally {
    closeSync(fd);
  }
}

function describeCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
