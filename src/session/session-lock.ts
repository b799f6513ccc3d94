// A running session is recognised by its lock file: written by createSessionDir right after the
// directory exists, removed when the run ends. A lock whose process is gone (kill -9, power loss)
// marks a dead session, whose leftovers a later run or `logs gc` sweeps away.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Name of the lock file inside a session directory while its run is alive. */
export const SESSION_LOCK_FILE = '.osiris.lock';

/** Content of the lock file. */
export interface SessionLock {
  /** `run_<id>`. */
  session_id: string;
  /** Process that runs the session. */
  pid: number;
  /** Start time of that process (Linux: /proc/<pid>/stat field 22), so a reused pid is not mistaken for it. */
  process_start?: string;
  /** Host of that process: a pid means nothing on another machine. */
  hostname: string;
  /** Project directory of the run: where partial output files of a killed run may remain. */
  project_dir?: string;
  /** ISO-8601 UTC. */
  started_at: string;
}

/** The start time of a process as the kernel records it, or undefined where /proc is not available. */
export function readProcessStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Write the lock of a new session (fails if one exists: a session directory is never shared). */
export function writeSessionLock(dir: string, lock: SessionLock): void {
  writeFileSync(join(dir, SESSION_LOCK_FILE), `${JSON.stringify(lock)}\n`, { flag: 'wx' });
}

/** Build the lock of this process for a session. */
export function createOwnLock(sessionId: string, startedAt: Date, projectDir?: string): SessionLock {
  const start = readProcessStart(process.pid);
  return {
    session_id: sessionId,
    pid: process.pid,
    ...(start ? { process_start: start } : {}),
    hostname: hostname(),
    ...(projectDir ? { project_dir: projectDir } : {}),
    started_at: startedAt.toISOString(),
  };
}

/** The lock of a session: undefined when absent, 'corrupt' when unreadable. */
export function readSessionLock(dir: string): SessionLock | 'corrupt' | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, SESSION_LOCK_FILE), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'corrupt';
  }
  try {
    const value = JSON.parse(text) as Partial<SessionLock>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return 'corrupt';
    return value as SessionLock;
  } catch {
    return 'corrupt';
  }
}

/** Remove the lock at the end of a run. */
export function releaseSessionLock(dir: string): void {
  rmSync(join(dir, SESSION_LOCK_FILE), { force: true });
}

/**
 * Whether the process that holds `lock` still runs. A lock from another host, or one that cannot be
 * read, counts as alive: deleting a live session is the one mistake this check exists to prevent.
 */
export function isLockHolderAlive(lock: SessionLock | 'corrupt'): boolean {
  if (lock === 'corrupt' || lock.hostname !== hostname()) return true;
  try {
    process.kill(lock.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (lock.process_start === undefined) return true;
  const start = readProcessStart(lock.pid);
  return start === undefined || start === lock.process_start;
}
