import { spawnSync } from 'node:child_process';

/**
 * Create a FIFO (named pipe) at `path`; false where the platform has none (callers then go through a
 * temporary file). A FIFO lets DuckDB read or write CSV while Node streams the other end: one pass,
 * nothing on disk.
 */
export function tryMakeFifo(path: string): boolean {
  if (process.platform === 'win32') return false;
  return spawnSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' }).status === 0;
}
