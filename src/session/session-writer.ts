import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type {
  EventFields,
  EventName,
  EventSink,
  MetricName,
  MetricOptions,
  SessionStatus,
  StepLogger,
} from '../core/index.js';
import { METRICS, writeCanonicalJson } from '../core/index.js';

/** Observer of everything written, e.g. the CLI's live progress (never sees unmasked data). */
export type SessionListener = (record: { kind: 'event' | 'metric'; line: Record<string, unknown> }) => void;

/** The one writer of a session directory: events, metrics, logs, status. Masks every line. */
export interface SessionWriter extends EventSink {
  /** `run_<id>`. */
  readonly sessionId: string;
  /** Absolute session directory. */
  readonly dir: string;
  /** Human log (osiris.log and debug.log). */
  readonly log: StepLogger;
  /** Write a text file inside the session (masked). */
  writeText(relativePath: string, text: string): void;
  /** Write status.json. */
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
  /** Masks secret values. */
  mask: (text: string) => string;
  /** Clock (ISO strings). */
  now?: () => Date;
}

/** Open the session files and return the writer; every file of the must-exist contract is created now. */
export function createSessionWriter(options: SessionWriterOptions): SessionWriter {
  const { sessionId, dir, mask } = options;
  const now = options.now ?? (() => new Date());
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  mkdirSync(join(dir, 'cfg'), { recursive: true });
  const fds = {
    events: openSync(join(dir, 'events.jsonl'), 'a'),
    metrics: openSync(join(dir, 'metrics.jsonl'), 'a'),
    human: openSync(join(dir, 'osiris.log'), 'a'),
    debug: openSync(join(dir, 'debug.log'), 'a'),
  };
  const listeners: SessionListener[] = [];
  let closed = false;

  const append = (fd: number, text: string): void => {
    if (!closed) writeSync(fd, text);
  };
  const logLine = (level: string, message: string, human: boolean): void => {
    const line = `${now().toISOString()} ${level.padEnd(5)} ${mask(message)}\n`;
    if (human) append(fds.human, line);
    append(fds.debug, line);
  };
  const writeRecord = (kind: 'event' | 'metric', line: Record<string, unknown>): void => {
    const text = mask(JSON.stringify(line));
    append(kind === 'event' ? fds.events : fds.metrics, `${text}\n`);
    if (kind === 'event') append(fds.debug, `${String(line.ts)} EVENT ${text}\n`);
    if (listeners.length > 0) {
      const masked = JSON.parse(text) as Record<string, unknown>;
      for (const l of listeners) l({ kind, line: masked });
    }
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
      writeFileSync(join(dir, relativePath), mask(text));
    },
    writeStatus(status) {
      writeFileSync(join(dir, 'status.json'), mask(writeCanonicalJson(status)));
    },
    listen(listener) {
      listeners.push(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of Object.values(fds)) closeSync(fd);
    },
  };
}
