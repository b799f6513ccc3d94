import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory, OsirisError, SESSION_PREFIX } from '../core/index.js';
import { createOwnLock, writeSessionLock } from './session-lock.js';
import { sweepDeadSessions } from './sweep-dead-sessions.js';

/** A fresh session directory: its id (`run_<epoch ms>`) and absolute path. */
export interface SessionDir {
  /** `run_<id>`. */
  id: string;
  /** Absolute path of the directory. */
  dir: string;
}

/** Options of createSessionDir. */
export interface CreateSessionOptions {
  /** Project directory of the run, kept in the lock so a sweep can find partial outputs of a killed run. */
  projectDir?: string;
}

/**
 * Create `<logsDir>/run_<ms>`; the atomic mkdir makes the id unique, bumping the ms when taken. The new
 * directory holds the lock of this process (see session-lock.ts) until releaseSessionLock at the end of
 * the run. Before that, leftovers of dead sessions in the same logs directory are swept (best effort).
 */
export function createSessionDir(
  logsDir: string,
  nowMs: number,
  options: CreateSessionOptions = {},
): SessionDir {
  try {
    makeDirectory(logsDir);
  } catch (error) {
    throw new OsirisError('io_error', `cannot create logs directory ${logsDir}: ${(error as Error).message}`);
  }
  try {
    sweepDeadSessions(logsDir);
  } catch {
    // a sweep that fails (permissions, a vanishing entry) must never stop a run; the next one retries
  }
  for (let ms = nowMs; ms < nowMs + 10_000; ms++) {
    const id = `${SESSION_PREFIX}${ms}`;
    const dir = join(logsDir, id);
    try {
      mkdirSync(dir);
      writeSessionLock(dir, createOwnLock(id, new Date(nowMs), options.projectDir));
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OsirisError(
          'io_error',
          `cannot create session directory ${dir}: ${(error as Error).message}`,
        );
      }
    }
  }
  throw new OsirisError('io_error', `no free session id in ${logsDir} after 10000 attempts`);
}
