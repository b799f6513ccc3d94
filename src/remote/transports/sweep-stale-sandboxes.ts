// Sandbox directories of hosts that died: a host killed with SIGKILL cannot remove its local sandbox,
// so the next local sandbox (or `logs gc`) does, recognising it by its owner lock (session-lock.ts).
import { lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isLockHolderAlive, readSessionLock } from '../../session/session-lock.js';
import { listEntryNames } from '../../session/read-session.js';

/** Name prefix of sandbox directories (under the OS temp dir unless baseDir says otherwise). */
export const SANDBOX_PREFIX = 'osiris-sandbox-';

/**
 * Remove sandbox directories under `baseDir` whose host process is gone (its owner lock names a dead
 * pid): what a host killed with SIGKILL could not remove itself. Directories without a lock (being
 * created, kept on purpose, or not ours) and symlinks are never touched. Returns the paths removed.
 */
export function sweepStaleSandboxes(baseDir: string): string[] {
  const removed: string[] = [];
  for (const name of listEntryNames(baseDir)) {
    if (!name.startsWith(SANDBOX_PREFIX)) continue;
    const dir = join(baseDir, name);
    try {
      if (!lstatSync(dir).isDirectory()) continue;
      const lock = readSessionLock(dir);
      if (lock === undefined || lock === 'corrupt' || lock.session_id !== name || isLockHolderAlive(lock))
        continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // an entry that vanished or cannot be removed is left to the next sweep
    }
  }
  return removed;
}
