import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ArtifactFile,
  EventRecord,
  MetricRecord,
  SessionSnapshot,
  SessionStatus,
} from '../core/index.js';
import { OsirisError, SESSION_PREFIX, createFingerprint } from '../core/index.js';

/** A session directory as read back for `logs` commands and reports. */
export interface SessionSummary {
  /** `run_<id>`. */
  id: string;
  /** Absolute directory. */
  dir: string;
  /** status.json, or undefined when the run never finished writing it (crashed host). */
  status: SessionStatus | undefined;
}

/** Sessions under a logs directory, newest first. */
export function listSessions(logsDir: string): SessionSummary[] {
  if (!existsSync(logsDir)) return [];
  return readdirSync(logsDir)
    .filter((name) => name.startsWith(SESSION_PREFIX) && statSync(join(logsDir, name)).isDirectory())
    .sort((a, b) => Number(b.slice(SESSION_PREFIX.length)) - Number(a.slice(SESSION_PREFIX.length)))
    .map((id) => ({ id, dir: join(logsDir, id), status: readStatus(join(logsDir, id)) }));
}

/** Resolve a session argument: a path to a session dir, or an id (`run_…` or just the number) under logsDir. */
export function findSession(logsDir: string, ref: string): SessionSummary {
  const candidates = [ref, join(logsDir, ref), join(logsDir, `${SESSION_PREFIX}${ref}`)];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'events.jsonl'))) {
      const id = dir.split(/[\\/]/).filter(Boolean).pop() ?? ref;
      return { id, dir, status: readStatus(dir) };
    }
  }
  throw new OsirisError('usage', `no session '${ref}' (looked for ${candidates.join(', ')})`);
}

/** status.json of a session, undefined when absent. */
export function readStatus(dir: string): SessionStatus | undefined {
  const path = join(dir, 'status.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as SessionStatus;
}

/** Parse a JSON-lines file; a torn last line (crash mid-write) is skipped. */
export function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
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
      if (statSync(child).isDirectory()) walk(childRel);
      else {
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
    manifestText: existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '',
    artifacts: readArtifactFiles(dir),
  };
}
