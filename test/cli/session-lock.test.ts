// Issue 8 §4: how a running session is recognised. The lock names a pid plus that process's start time,
// so a dead run is recognised even when its pid was reused; a lock that cannot be judged counts as live.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SESSION_LOCK_FILE,
  createOwnLock,
  isLockHolderAlive,
  readProcessStart,
  readSessionLock,
  releaseSessionLock,
  writeSessionLock,
} from '../../src/session/session-lock.js';

describe('session lock', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'osiris-lock-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written once, read back and released', () => {
    const lock = createOwnLock('run_1', new Date(0), '/project');
    writeSessionLock(dir, lock);
    expect(() => writeSessionLock(dir, lock)).toThrow(/EEXIST/);
    expect(readSessionLock(dir)).toEqual(lock);
    expect(isLockHolderAlive(lock)).toBe(true);
    releaseSessionLock(dir);
    expect(readSessionLock(dir)).toBeUndefined();
  });

  it('a dead pid, or a live pid that started at another time (reused), is not the holder', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']);
    const deadPid = exited.pid as number;
    const base = createOwnLock('run_2', new Date(0));
    expect(isLockHolderAlive({ ...base, pid: deadPid, process_start: undefined })).toBe(false);
    const start = readProcessStart(process.pid);
    if (start !== undefined) {
      // this very process, but recorded with another start time: its pid was reused
      expect(isLockHolderAlive({ ...base, process_start: `${start}0` })).toBe(false);
      expect(isLockHolderAlive({ ...base, process_start: start })).toBe(true);
    }
  });

  it('counts a lock from another host, or an unreadable lock, as live (never delete what cannot be judged)', () => {
    const base = createOwnLock('run_3', new Date(0));
    expect(isLockHolderAlive({ ...base, hostname: `${hostname()}-elsewhere`, pid: 999_999_999 })).toBe(true);
    writeFileSync(join(dir, SESSION_LOCK_FILE), '{"pid": ');
    const lock = readSessionLock(dir);
    expect(lock).toBe('corrupt');
    expect(isLockHolderAlive(lock as 'corrupt')).toBe(true);
  });
});
