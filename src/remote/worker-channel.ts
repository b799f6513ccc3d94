import type { EventSink, MetricName, StepLogger } from '../core/index.js';
import { ERROR_CODES, OsirisError } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import type { SandboxProcess } from './transport.js';
import type { Command, Notification, PrepareSecrets, ResultMap, WorkerLine } from './protocol.js';
import { MAX_LINE_BYTES, createLineSplitter } from './protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface WorkerChannelOptions {
  /** Where forwarded events and metrics go (the host session). */
  sink: EventSink;
  /** Where forwarded worker logs go. */
  log: StepLogger;
  /** Declare the worker lost after this long without any line from it. */
  lossMs: number;
  /** Called once when the channel fails: worker lost (process gone, stream dropped, silent) or aborted. */
  onLost(error: OsirisError): void;
}

/** The host end of the JSON-lines protocol: requests with ids, one response each, notifications forwarded. */
export function createWorkerChannel(options: WorkerChannelOptions) {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let lastSeen = Date.now();
  let failure: OsirisError | undefined;
  let proc: SandboxProcess | undefined;

  const fail = (error: OsirisError): void => {
    if (failure) return;
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    clearInterval(watchdog);
    options.onLost(error);
  };
  let lastTick = Date.now();
  const watchdog = setInterval(() => {
    const now = Date.now();
    // A host that was itself blocked (sync I/O, GC) has unread lines waiting: give them a chance first.
    if (now - lastTick > options.lossMs / 2) lastSeen = now;
    lastTick = now;
    const silent = now - lastSeen;
    if (proc && silent > options.lossMs) {
      fail(
        new OsirisError(
          'worker_lost',
          `the sandbox worker sent nothing (not even a heartbeat) for ${silent} ms`,
        ),
      );
    }
  }, 250);
  watchdog.unref();

  const onLine = (text: string): void => {
    lastSeen = Date.now();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      options.log.debug(`worker stdout (not JSON, ${text.length} bytes): ${text.slice(0, 200)}`);
      return;
    }
    const line = readWorkerLine(value);
    if (!line) {
      options.log.debug(`worker stdout (not a protocol line, ${text.length} bytes): ${text.slice(0, 200)}`);
      return;
    }
    if ('id' in line) {
      if (line.id === null) {
        // the worker refused a line before reading its id: a host bug, never silent
        if (!line.ok) options.log.warn(`worker refused a line: [${line.error.code}] ${line.error.message}`);
        return;
      }
      const p = pending.get(line.id);
      pending.delete(line.id);
      if (!p) return;
      if (line.ok) p.resolve(line.result);
      else p.reject(new OsirisError(toErrorCode(line.error.code), line.error.message));
      return;
    }
    forward(line);
  };
  const forward = (line: Notification): void => {
    switch (line.type) {
      case 'event': {
        const { ts: _ts, session: _s, event, ...fields } = line.line;
        options.sink.event(event as 'step_start', fields);
        break;
      }
      case 'metric': {
        const { metric, value, unit, step_id, tags } = line.line as {
          metric: MetricName;
          value: number;
          unit?: string;
          step_id?: string;
          tags?: Record<string, string>;
        };
        options.sink.metric(metric, value, {
          ...(unit ? { unit } : {}),
          ...(step_id ? { step_id } : {}),
          ...(tags ? { tags } : {}),
        });
        break;
      }
      case 'log':
        options.log[line.level](`worker: ${line.message}`);
        break;
      case 'heartbeat':
        break;
    }
  };
  const splitter = createLineSplitter(onLine, {
    maxLineBytes: MAX_LINE_BYTES,
    onOverflow: (bytes) =>
      fail(
        new OsirisError(
          'protocol_error',
          `the sandbox worker sent a line of more than ${MAX_LINE_BYTES} bytes (${bytes} seen); such a line is never read`,
        ),
      ),
  });

  return {
    /** Feed stdout chunks here. */
    push: (chunk: string) => splitter.push(chunk),
    /** Attach the started worker; its exit without a cleanup is a lost worker. */
    attach(started: SandboxProcess, expectExit: () => boolean) {
      proc = started;
      lastSeen = Date.now();
      void started.exited.then((code) => {
        splitter.end();
        if (!expectExit())
          fail(
            new OsirisError(
              'worker_lost',
              `the sandbox worker exited unexpectedly (exit code ${code ?? 'none: killed or stream lost'})`,
            ),
          );
      });
    },
    /** Send a command and wait for its response. */
    async request<C extends Command>(command: C, secrets?: PrepareSecrets): Promise<ResultMap[C['cmd']]> {
      if (failure) throw failure;
      if (!proc) throw new OsirisError('internal', 'worker not started');
      const id = nextId++;
      const result = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      // observed below; a failed write must not leave it to reject unobserved when the channel fails later
      result.catch(() => undefined);
      try {
        await proc.write(`${JSON.stringify({ ...command, id, ...(secrets ? { secrets } : {}) })}\n`);
      } catch (error) {
        pending.delete(id);
        throw error;
      }
      return (await result) as ResultMap[C['cmd']];
    },
    /** End the channel now (run timeout, Ctrl-C): pending requests reject with this error. */
    abort(error: OsirisError) {
      fail(error);
    },
    /** The failure that ended the channel, if any. */
    get failure() {
      return failure;
    },
    /** Stop watching (normal end). */
    close() {
      clearInterval(watchdog);
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The worker line `value` is, or undefined when its shape is not one the protocol defines. */
function readWorkerLine(value: unknown): WorkerLine | undefined {
  if (!isRecord(value)) return undefined;
  if ('id' in value) {
    const idOk = value.id === null || Number.isSafeInteger(value.id);
    if (!idOk || typeof value.ok !== 'boolean') return undefined;
    if (value.ok) return value.id === null ? undefined : (value as WorkerLine);
    const error = value.error;
    const errorOk = isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string';
    return errorOk ? (value as WorkerLine) : undefined;
  }
  switch (value.type) {
    case 'event':
      return isRecord(value.line) && typeof value.line.event === 'string' ? (value as WorkerLine) : undefined;
    case 'metric':
      return isRecord(value.line) &&
        typeof value.line.metric === 'string' &&
        typeof value.line.value === 'number'
        ? (value as WorkerLine)
        : undefined;
    case 'log':
      return ['info', 'warn', 'debug'].includes(value.level as string) && typeof value.message === 'string'
        ? (value as WorkerLine)
        : undefined;
    case 'heartbeat':
      return value as WorkerLine;
    default:
      return undefined;
  }
}

/** A worker's error code when it is one of ours; anything else is a protocol error. */
function toErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'protocol_error';
}
