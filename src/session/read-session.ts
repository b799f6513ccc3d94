import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type {
  ArtifactFile,
  EventRecord,
  MetricRecord,
  SessionSnapshot,
  SessionStatus,
} from '../core/index.js';
import { OsirisError, SESSION_PREFIX, createFingerprint } from '../core/index.js';
import { isLockHolderAlive, readSessionLock } from './session-lock.js';

/** What a logs entry is: a finished run, a live one, one that never finished, or not a usable session. */
export const SESSION_STATES = ['finished', 'running', 'incomplete', 'corrupt'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** A session directory as read back for `logs` commands and reports. */
export interface SessionSummary {
  /** `run_<id>`. */
  id: string;
  /** Absolute directory. */
  dir: string;
  /** status.json, or undefined when the run never finished writing it (crashed host) or it is corrupt. */
  status: SessionStatus | undefined;
  /** finished (status.json), running (its process holds the lock), incomplete (no status, no live process), corrupt. */
  state: SessionState;
  /** Why the entry is corrupt (state 'corrupt' only). */
  problem?: string;
  /** Session files that are missing (besides events.jsonl, whose absence makes the entry corrupt). */
  missing?: string[];
}

/** Files the session writer creates at the start of every run (status.json and manifest.yaml come later). */
const SESSION_START_FILES = ['events.jsonl', 'metrics.jsonl', 'osiris.log', 'debug.log', 'cfg', 'artifacts'];

/** Names of session directories: `run_<epoch ms>`, nothing else (so `run_notes/` is never one). */
export const SESSION_NAME = /^run_\d+$/;

/** Sessions under a logs directory, newest first; an entry that cannot be read is listed as corrupt. */
export function listSessions(logsDir: string): SessionSummary[] {
  return listEntryNames(logsDir)
    .filter((name) => SESSION_NAME.test(name))
    .sort((a, b) => Number(b.slice(SESSION_PREFIX.length)) - Number(a.slice(SESSION_PREFIX.length)))
    .map((id) => inspectSession(join(logsDir, id), id));
}

/** Resolve a session argument: a path to a session dir, or an id (`run_…` or just the number) under logsDir. */
export function findSession(logsDir: string, ref: string): SessionSummary {
  const candidates = [ref, join(logsDir, ref), join(logsDir, `${SESSION_PREFIX}${ref}`)];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'events.jsonl'))) {
      const id = dir.split(/[\\/]/).filter(Boolean).pop() ?? ref;
      return inspectSession(dir, id);
    }
  }
  throw new OsirisError('usage', `no session '${ref}' (looked for ${candidates.join(', ')})`);
}

const corrupt = (id: string, dir: string, problem: string): SessionSummary => ({
  id,
  dir,
  status: undefined,
  state: 'corrupt',
  problem,
});

/**
 * Read one logs entry without trusting it: a symlink, a file, missing session files, an unparseable
 * status.json or an id that is not the directory's make it corrupt (listed, never deleted by gc).
 */
export function inspectSession(dir: string, id: string): SessionSummary {
  let entry: ReturnType<typeof lstatSync>;
  try {
    entry = lstatSync(dir);
  } catch {
    return corrupt(id, dir, 'the entry vanished while it was read');
  }
  if (entry.isSymbolicLink()) {
    const target = existsSync(dir) ? 'a symlink (osiris never creates one)' : 'a dangling symlink';
    return corrupt(id, dir, `is ${target}`);
  }
  if (!entry.isDirectory()) return corrupt(id, dir, 'is not a directory');
  const missing = SESSION_START_FILES.filter((f) => !existsSync(join(dir, f)));
  // without events.jsonl nothing says whose entry this is; other gaps still leave a readable session
  if (missing.includes('events.jsonl')) return corrupt(id, dir, `lacks ${missing.join(', ')}`);
  const read = readStatusChecked(dir);
  if (read.problem) return corrupt(id, dir, read.problem);
  if (read.status && read.status.session_id !== id)
    return corrupt(id, dir, `status.json belongs to ${String(read.status.session_id)}`);
  const owner = readFirstEventSession(dir);
  if (owner === undefined && !read.status)
    return corrupt(id, dir, 'events.jsonl holds no event to check the id by');
  if (owner !== undefined && owner !== id) return corrupt(id, dir, `events.jsonl belongs to ${owner}`);
  const lock = readSessionLock(dir);
  const running = lock !== undefined && isLockHolderAlive(lock);
  const state: SessionState = running ? 'running' : read.status ? 'finished' : 'incomplete';
  return { id, dir, status: read.status, state, ...(missing.length > 0 ? { missing } : {}) };
}

/**
 * Whether `path` is a regular file, links followed. Session files are read only then: opening a FIFO
 * blocks until a writer comes (and a blocked read keeps even SIGTERM's handler from running), and a
 * device such as /dev/zero never ends.
 */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The `session` of the first line of events.jsonl (read from its head only), undefined when none. */
function readFirstEventSession(dir: string): string | undefined {
  let fd: number | undefined;
  try {
    const path = join(dir, 'events.jsonl');
    if (!isRegularFile(path)) return undefined;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const first = head.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    const value = JSON.parse(first) as { session?: unknown };
    return typeof value.session === 'string' ? value.session : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** status.json of a session: absent, parsed, or the reason it cannot be used. */
export function readStatusChecked(dir: string): { status?: SessionStatus; problem?: string } {
  const path = join(dir, 'status.json');
  let text: string;
  try {
    if (existsSync(path) && !isRegularFile(path)) return { problem: 'status.json is not a regular file' };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? {} : { problem: `status.json cannot be read (${code ?? 'error'})` };
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { problem: 'status.json is not a JSON object' };
    return { status: value as SessionStatus };
  } catch {
    return { problem: 'status.json is not valid JSON' };
  }
}

/** status.json of a session, undefined when absent or unusable. */
export function readStatus(dir: string): SessionStatus | undefined {
  return readStatusChecked(dir).status;
}

/** Parse a JSON-lines file of records; a torn last line (crash mid-write) and non-objects are skipped. */
export function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  if (!isRegularFile(path))
    throw new OsirisError(
      'io_error',
      `${path} is not a regular file (a FIFO, a device or a directory): the session directory is damaged`,
    );
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      // every line Osiris writes is an object; `null` or `42` can only come from damage
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(value as T);
    } catch {
      // a torn line can only be the last one written before a crash
    }
  }
  return out;
}

/** events.jsonl of a session. */
export function readEvents(dir: string): EventRecord[] {
  return readJsonLines<EventRecord>(join(dir, 'events.jsonl'));
}

/** metrics.jsonl of a session. */
export function readMetrics(dir: string): MetricRecord[] {
  return readJsonLines<MetricRecord>(join(dir, 'metrics.jsonl'));
}

const PREVIEW_BYTES = 64 * 1024;

/** Files under `artifacts/` with size, hash and a text preview. */
export function readArtifactFiles(dir: string): ArtifactFile[] {
  const out: ArtifactFile[] = [];
  const walk = (rel: string): void => {
    const abs = join(dir, rel);
    if (!existsSync(abs)) return;
    for (const name of readdirSync(abs).sort()) {
      const childRel = `${rel}/${name}`;
      const child = join(dir, childRel);
      // lstat: a symlink or a dangling entry in a damaged session is skipped, never followed
      const info = lstatSync(child);
      if (info.isDirectory()) walk(childRel);
      else if (info.isFile()) {
        const bytes = readFileSync(child);
        const head = bytes.subarray(0, PREVIEW_BYTES);
        const text = head.includes(0) ? undefined : head.toString('utf8');
        out.push({
          path: childRel,
          size: bytes.length,
          sha256: createFingerprint(bytes),
          ...(text !== undefined ? { preview: text } : {}),
        });
      }
    }
  };
  walk('artifacts');
  return out;
}

/** Read everything of a session a report or a comparison needs. */
export function readSessionSnapshot(dir: string): SessionSnapshot {
  const manifestPath = join(dir, 'manifest.yaml');
  return {
    id: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir,
    dir,
    status: readStatus(dir),
    events: readEvents(dir),
    metrics: readMetrics(dir),
    manifestText: isRegularFile(manifestPath) ? readFileSync(manifestPath, 'utf8') : '',
    artifacts: readArtifactFiles(dir),
  };
}

/** Names of the entries of a directory; none when it does not exist or cannot be read. */
export function listEntryNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
