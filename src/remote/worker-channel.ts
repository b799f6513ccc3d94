import type { StepLogger } from '../core/index.js';
import { ERROR_CODES, METRICS, OsirisError } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import type { SandboxProcess } from './transport.js';
import type { Command, HostApi, PrepareSecrets, ResultMap, WorkerLine } from './protocol.js';
import { MAX_LINE_BYTES, createLineSplitter, deliverNotification } from './protocol.js';

export interface WorkerChannelOptions {
  /** Where the worker's notifications go (the host session's sink and log). */
  host: HostApi;
  /** Where the channel's own diagnostics go (lines that are not protocol lines). */
  log: StepLogger;
  /** Declare the worker lost after this long without any line from it. */
  lossMs: number;
  /** Called once when the channel fails: worker lost (process gone, stream dropped, silent) or aborted. */
  onLost(error: OsirisError): void;
}

/** The host end of the JSON-lines protocol: requests with ids, one response each, notifications delivered. */
export interface WorkerChannel {
  /** Feed the worker's stdout chunks here. */
  push(chunk: string): void;
  /** Attach the started worker; its exit while `expectExit()` is false is a lost worker. */
  attach(started: SandboxProcess, expectExit: () => boolean): void;
  /** Send a command (with the secrets, for prepare) and wait for its response. */
  request<C extends Command>(command: C, secrets?: PrepareSecrets): Promise<ResultMap[C['cmd']]>;
  /** End the channel now (run timeout, Ctrl-C): pending requests reject with this error. */
  abort(error: OsirisError): void;
  /** The failure that ended the channel, if any. */
  readonly failure: OsirisError | undefined;
  /** Stop watching (normal end). */
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Open a channel to a worker that is about to start. */
export function createWorkerChannel(options: WorkerChannelOptions): WorkerChannel {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: OsirisError | undefined;
  let proc: SandboxProcess | undefined;
  const fail = (error: OsirisError): void => {
    if (failure) return;
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    watchdog.stop();
    options.onLost(error);
  };
  const watchdog = startWatchdog(options.lossMs, () => proc !== undefined, fail);
  const splitter = createLineSplitter(
    (text) => {
      watchdog.seen();
      routeLine(text, pending, options);
    },
    {
      maxLineBytes: MAX_LINE_BYTES,
      onOverflow: (bytes) =>
        fail(
          new OsirisError(
            'protocol_error',
            `the sandbox worker sent a line of more than ${MAX_LINE_BYTES} bytes (${bytes} seen); such a line is never read`,
          ),
        ),
    },
  );

  return {
    push: (chunk) => splitter.push(chunk),
    attach(started, expectExit) {
      proc = started;
      watchdog.seen();
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
    abort: fail,
    get failure() {
      return failure;
    },
    close: () => watchdog.stop(),
  };
}

/** Fails the channel when an attached worker sends nothing for `lossMs`. */
function startWatchdog(
  lossMs: number,
  attached: () => boolean,
  fail: (error: OsirisError) => void,
): { seen(): void; stop(): void } {
  let lastSeen = Date.now();
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    // A host that was itself blocked (sync I/O, GC) has unread lines waiting: give them a chance first.
    if (now - lastTick > lossMs / 2) lastSeen = now;
    lastTick = now;
    const silent = now - lastSeen;
    if (attached() && silent > lossMs)
      fail(
        new OsirisError(
          'worker_lost',
          `the sandbox worker sent nothing (not even a heartbeat) for ${silent} ms`,
        ),
      );
  }, 250);
  timer.unref();
  return {
    seen: () => {
      lastSeen = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}

/** One worker line: a response settles its request, a notification goes to the host, anything else is logged. */
function routeLine(text: string, pending: Map<number, Pending>, options: WorkerChannelOptions): void {
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
  if (!('id' in line)) {
    deliverNotification(line, options.host);
    return;
  }
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
  return isNotification(value) ? (value as WorkerLine) : undefined;
}

/** A notification's shape: a metric must be one the catalogue knows (the session writer takes its unit). */
function isNotification(value: Record<string, unknown>): boolean {
  switch (value.type) {
    case 'event':
      return typeof value.event === 'string' && isRecord(value.fields);
    case 'metric':
      return (
        typeof value.metric === 'string' &&
        Object.hasOwn(METRICS, value.metric) &&
        typeof value.value === 'number' &&
        isRecord(value.options)
      );
    case 'log':
      return ['info', 'warn', 'debug'].includes(value.level as string) && typeof value.message === 'string';
    case 'heartbeat':
      return true;
    default:
      return false;
  }
}

/** A worker's error code when it is one of ours; anything else is a protocol error. */
function toErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'protocol_error';
}
