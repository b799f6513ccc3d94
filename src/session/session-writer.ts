import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type {
  EventFields,
  EventName,
  EventSink,
  MetricName,
  MetricOptions,
  SessionStatus,
  StepLogger,
} from '../core/index.js';
import { makeDirectory, maskStructure, METRICS, writeCanonicalJson } from '../core/index.js';

/** Observer of everything written, e.g. the CLI's live progress (never sees unmasked data). */
export type SessionListener = (record: { kind: 'event' | 'metric'; line: Record<string, unknown> }) => void;

/**
 * The one writer of a session directory: events, metrics, logs, status. Masks by structure: JSON lines
 * and status.json have their string values masked (never keys, numbers, booleans, identifiers); log
 * lines have their message masked.
 */
export interface SessionWriter extends EventSink {
  /** `run_<id>`. */
  readonly sessionId: string;
  /** Absolute session directory. */
  readonly dir: string;
  /** Human log (osiris.log and debug.log). */
  readonly log: StepLogger;
  /**
   * Write a text file inside the session as it is, atomically. Only for files that hold no secret by
   * construction (manifest.yaml, cfg/*.json: verified before the run starts), never rewritten, so
   * their bytes keep the fingerprints the compiler gave them.
   */
  writeText(relativePath: string, text: string): void;
  /** Write status.json (string values masked), atomically. */
  writeStatus(status: SessionStatus): void;
  /** Subscribe to written records. */
  listen(listener: SessionListener): void;
  /** Close all files. */
  close(): void;
}

export interface SessionWriterOptions {
  /** Session id. */
  sessionId: string;
  /** Absolute session directory (exists). */
  dir: string;
  /** Masks secret values in free text (log messages, string values of records). */
  mask: (text: string) => string;
  /** Clock (ISO strings). */
  now?: () => Date;
}

/** Open the session files and return the writer; every file of the must-exist contract is created now. */
export function createSessionWriter(options: SessionWriterOptions): SessionWriter {
  const { sessionId, dir, mask } = options;
  const now = options.now ?? (() => new Date());
  makeDirectory(join(dir, 'artifacts'));
  makeDirectory(join(dir, 'cfg'));
  const files = openSessionFiles(dir);
  const listeners: SessionListener[] = [];
  const logLine = (level: string, message: string, human: boolean): void => {
    const line = `${now().toISOString()} ${level.padEnd(5)} ${mask(message)}\n`;
    if (human) files.append('human', line);
    files.append('debug', line);
  };
  const writeRecord = (kind: 'event' | 'metric', line: Record<string, unknown>): void => {
    // masked before serializing: a secret such as `true` or `step` can then never touch JSON syntax
    const masked = maskStructure(line, mask) as Record<string, unknown>;
    const text = JSON.stringify(masked);
    files.append(kind === 'event' ? 'events' : 'metrics', `${text}\n`);
    if (kind === 'event') files.append('debug', `${String(line.ts)} EVENT ${text}\n`);
    for (const l of listeners) l({ kind, line: masked });
  };

  return {
    sessionId,
    dir,
    log: {
      info: (m) => logLine('INFO', m, true),
      warn: (m) => logLine('WARN', m, true),
      debug: (m) => logLine('DEBUG', m, false),
    },
    event(name: EventName | `remote.${string}`, fields: EventFields = {}) {
      writeRecord('event', { ts: now().toISOString(), session: sessionId, event: name, ...fields });
    },
    metric(name: MetricName, value: number, opts: MetricOptions = {}) {
      const line: Record<string, unknown> = {
        ts: now().toISOString(),
        session: sessionId,
        metric: name,
        value,
      };
      line.unit = opts.unit ?? METRICS[name].unit;
      if (opts.step_id !== undefined) line.step_id = opts.step_id;
      if (opts.tags !== undefined) line.tags = opts.tags;
      writeRecord('metric', line);
    },
    writeText(relativePath, text) {
      writeAtomically(join(dir, relativePath), text);
    },
    writeStatus(status) {
      writeAtomically(join(dir, 'status.json'), writeCanonicalJson(maskStructure(status, mask)));
    },
    listen(listener) {
      listeners.push(listener);
    },
    close: () => files.close(),
  };
}

type SessionFile = 'events' | 'metrics' | 'human' | 'debug';
const SESSION_FILE_NAMES: Readonly<Record<SessionFile, string>> = {
  events: 'events.jsonl',
  metrics: 'metrics.jsonl',
  human: 'osiris.log',
  debug: 'debug.log',
};

/** The four append-only session files, created now; writes after close are dropped. */
function openSessionFiles(dir: string): { append(file: SessionFile, text: string): void; close(): void } {
  const fds = Object.fromEntries(
    Object.entries(SESSION_FILE_NAMES).map(([file, name]) => [file, openSync(join(dir, name), 'a')]),
  ) as Record<SessionFile, number>;
  let closed = false;
  return {
    append(file, text) {
      if (closed) return;
      try {
        writeSync(fds[file], text);
      } catch (error) {
        // a write on a descriptor names no file: the error gets the session file's path (io_error with the path)
        const path = join(dir, SESSION_FILE_NAMES[file]);
        if (error instanceof Error && !('path' in error)) Object.assign(error, { path });
        throw error;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of Object.values(fds)) closeSync(fd);
    },
  };
}

/**
 * Write through a temporary file in the same directory and rename it over the target: a reader (or a
 * crash) sees the old bytes or the new ones, never half a file.
 */
function writeAtomically(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    // a failed write on the open file names no path: give it the target's (io_error with the path)
    if (error instanceof Error && !('path' in error)) Object.assign(error, { path });
    throw error;
  }
}
