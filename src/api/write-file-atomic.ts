import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Write a file so that readers see the old content or the new, never a part: a temp file in the same
 * directory (same file system, so the rename is atomic) renamed over the target. No fsync: the point is
 * that a crashed or concurrent compile never leaves a half-written manifest, cfg or pointer, and an fsync
 * per cfg would make a 2,000-step compile wait on the disk 2,000 times.
 */
export function writeFileAtomic(path: string, data: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
