// What a run killed with SIGKILL leaves behind, and how it goes away: the DuckDB data plane under
// `.work` (hundreds of MB), partial output temp files beside the outputs, and the lock. The session's
// own files stay (they are the record of what happened); `logs gc` decides about those.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SessionLock } from './session-lock.js';
import { SESSION_LOCK_FILE, isLockHolderAlive, readSessionLock, releaseSessionLock } from './session-lock.js';
import { listEntryNames } from './read-session.js';

/** What was removed for one dead session. */
export interface SweptSession {
  /** `run_<id>`. */
  session_id: string;
  /** Absolute paths removed (directories count once). */
  removed: string[];
}

/** Data-plane directory of a session (where run-pipeline points the runtime's workDir). */
export const SESSION_WORK_DIR = '.work';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Temp files a writer of process `pid` names `.<file>.<pid>.<ms>.tmp` (and `.tmp.utf8`) beside its
 * target: the pid in the name makes a match certain to be that run's, never a user's file.
 */
function removeTempFiles(dir: string, pattern: RegExp, removed: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const path = join(dir, name);
    rmSync(path, { force: true });
    removed.push(path);
  }
}

/** Output paths named by the session's cfg files (any `path` value), resolved against the project. */
function listOutputDirs(sessionDir: string, projectDir: string): Map<string, Set<string>> {
  const byDir = new Map<string, Set<string>>();
  let names: string[];
  try {
    names = readdirSync(join(sessionDir, 'cfg'));
  } catch {
    return byDir;
  }
  for (const name of names) {
    try {
      const cfg = JSON.parse(readFileSync(join(sessionDir, 'cfg', name), 'utf8')) as { path?: unknown };
      if (typeof cfg.path !== 'string') continue;
      const target = resolve(projectDir, cfg.path);
      const files = byDir.get(dirname(target)) ?? new Set<string>();
      files.add(basename(target));
      byDir.set(dirname(target), files);
    } catch {
      // an unreadable cfg names no output
    }
  }
  return byDir;
}

/** Remove the leftovers of a session whose process died (the lock last, so a failed sweep is retried). */
export function sweepDeadSession(sessionDir: string, sessionId: string, lock: SessionLock): SweptSession {
  const removed: string[] = [];
  const work = join(sessionDir, SESSION_WORK_DIR);
  try {
    readdirSync(work);
    rmSync(work, { recursive: true, force: true });
    removed.push(work);
  } catch {
    // no data plane was left
  }
  const pid = escapeRegExp(String(lock.pid));
  if (lock.project_dir) {
    for (const [dir, files] of listOutputDirs(sessionDir, lock.project_dir)) {
      const alternatives = [...files].map(escapeRegExp).join('|');
      removeTempFiles(dir, new RegExp(`^\\.(?:${alternatives})\\.${pid}\\.\\d+\\.tmp(?:\\.utf8)?$`), removed);
    }
  }
  releaseSessionLock(sessionDir);
  return { session_id: sessionId, removed };
}

/** Sweep every dead session under a logs directory; live ones and lock-less ones are left alone. */
export function sweepDeadSessions(logsDir: string): SweptSession[] {
  const swept: SweptSession[] = [];
  for (const name of listEntryNames(logsDir)) {
    if (!/^run_\d+$/.test(name)) continue;
    const dir = join(logsDir, name);
    // Every run starts with this sweep: a finished session (no lock) costs one check, not an lstat and
    // a failed read (~70 us each: 0.7 s of every start with 10,000 sessions kept).
    if (!existsSync(join(dir, SESSION_LOCK_FILE))) continue;
    // never through a symlink: the sweep removes files, and only inside real session directories
    if (!lstatOrUndefined(dir)?.isDirectory()) continue;
    const lock = readSessionLock(dir);
    if (lock === undefined || lock === 'corrupt' || isLockHolderAlive(lock)) continue;
    if (lock.session_id !== name) continue; // a lock copied from elsewhere is not this session's
    swept.push(sweepDeadSession(dir, name, lock));
  }
  return swept;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
