import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OsirisError, SESSION_PREFIX } from '../core/index.js';

/** A fresh session directory: its id (`run_<epoch ms>`) and absolute path. */
export interface SessionDir {
  /** `run_<id>`. */
  id: string;
  /** Absolute path of the directory. */
  dir: string;
}

/** Create `<logsDir>/run_<ms>`; the atomic mkdir makes the id unique, bumping the ms when taken. */
export function createSessionDir(logsDir: string, nowMs: number): SessionDir {
  try {
    mkdirSync(logsDir, { recursive: true });
  } catch (error) {
    throw new OsirisError('io_error', `cannot create logs directory ${logsDir}: ${(error as Error).message}`);
  }
  for (let ms = nowMs; ms < nowMs + 10_000; ms++) {
    const id = `${SESSION_PREFIX}${ms}`;
    const dir = join(logsDir, id);
    try {
      mkdirSync(dir);
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
