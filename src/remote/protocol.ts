import type {
  EventFields,
  EventName,
  IncrementalStart,
  InputRef,
  MetricName,
  MetricOptions,
  ResolvedConnection,
  RuntimeDependency,
  StepOutcome,
} from '../core/index.js';

/** Checked at `ping`: host and worker must speak the same version. */
export const PROTOCOL_VERSION = 1;

/** Worker heartbeat period; the host declares the worker lost after HEARTBEAT_LOSS_MS without any line. */
export const HEARTBEAT_INTERVAL_MS = 1000;
export const HEARTBEAT_LOSS_MS = 4000;

/**
 * Longest line either end accepts, in UTF-8 bytes. A longer line is dropped while it streams (never
 * buffered whole) and reported; 64 MB is far above any real request or event line.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** `ping`: the host's protocol version. */
export interface PingCommand {
  cmd: 'ping';
  protocol: number;
}

/** `prepare`: what the worker needs before the first step (the secrets travel beside it, never in it). */
export interface PrepareCommand {
  cmd: 'prepare';
  manifest_path: string;
  install_deps: boolean;
  memory_limit: string;
  threads: number;
  /** Runtime dependencies of the components the manifest uses (not all components). */
  dependencies: RuntimeDependency[];
  /** Where each incremental extractor starts (read by the host from the state; not secret). */
  starts?: Record<string, IncrementalStart>;
  /** Extractor → the writer that reads its rows while it extracts them (a streamed hand-over). */
  streams?: Record<string, string>;
}

/** `exec_step`: cfg by path, inputs as InputRefs (file-only contract: names, never data or config). */
export interface ExecStepCommand {
  cmd: 'exec_step';
  step_id: string;
  driver: string;
  cfg_path: string;
  inputs: Record<string, InputRef>;
  /** An incremental extractor's start for this execution (the next chunk of a chunked read). */
  start?: IncrementalStart;
}

/** `cleanup`: close the data plane and pack the artifacts into `archive_path`. */
export interface CleanupCommand {
  cmd: 'cleanup';
  archive_path: string;
}

/** A command as written to commands.jsonl: no id, no secret, no inline config. */
export type Command = PingCommand | PrepareCommand | ExecStepCommand | CleanupCommand;

/** What only the in-memory `prepare` request adds: resolved connections (the one place secrets travel). */
export interface PrepareSecrets {
  /** Resolved connections by `family.alias` key (`family.*default` for the family default). */
  connections: Record<string, ResolvedConnection>;
  /** Resolution errors by the same key: thrown when the step that needs them runs. */
  connection_errors: Record<string, { code: string; message: string }>;
}

/** A request on the wire: a command plus its id (and, for prepare, the secrets). */
export type Request = Command & { id: number; secrets?: PrepareSecrets; session_id?: string };

/** Results per command. */
export interface ResultMap {
  ping: { protocol: number; node: string };
  prepare: { drivers: string[] };
  exec_step: StepOutcome;
  cleanup: { archive_path: string; files: number; bytes: number };
}

/** A request as the worker receives it: the command with its id, and for prepare the secrets. */
export type RequestOf<C extends Command['cmd']> = Extract<Request, { cmd: C }>;

/**
 * Host → worker: what the worker serves, one method per command, each answered by exactly one response
 * line. The worker session implements it; the host reaches it through the worker channel's `request`.
 */
export type WorkerApi = {
  [C in Command['cmd']]: (request: RequestOf<C>, signal: AbortSignal) => Promise<ResultMap[C]>;
};

/** Log levels a worker log notification may carry. */
export type WorkerLogLevel = 'info' | 'warn' | 'debug';

/**
 * Worker → host: what the host serves, one method per notification (never answered). `event` and `metric`
 * take exactly the arguments of the session's EventSink, so the host hands them to its sink as they are.
 */
export interface HostApi {
  event(name: EventName | `remote.${string}`, fields: EventFields): void;
  metric(name: MetricName, value: number, options: MetricOptions): void;
  log(level: WorkerLogLevel, message: string): void;
  heartbeat(seq: number): void;
}

/**
 * A response: exactly one per request. `id` is null only when a line was refused before its id could be
 * read (not JSON, not an object, over MAX_LINE_BYTES, or an id that is not a whole number).
 */
export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: { code: string; message: string; type: string } };

/**
 * A HostApi call on the wire: the method as `type`, its arguments by name. Event and metric names go
 * under `event` and `metric`, keys whose values masking leaves alone (a password `step` never rewrites
 * `step_start`).
 */
export type Notification =
  | { type: 'event'; event: EventName | `remote.${string}`; fields: EventFields }
  | { type: 'metric'; metric: MetricName; value: number; options: MetricOptions }
  | { type: 'log'; level: WorkerLogLevel; message: string }
  | { type: 'heartbeat'; seq: number };

/** The worker's HostApi: each call becomes one notification line through `send`. */
export function createHostProxy(send: (line: Notification) => void): HostApi {
  return {
    event: (event, fields) => send({ type: 'event', event, fields }),
    metric: (metric, value, options) => send({ type: 'metric', metric, value, options }),
    log: (level, message) => send({ type: 'log', level, message }),
    heartbeat: (seq) => send({ type: 'heartbeat', seq }),
  };
}

/** The host's side of a notification: the HostApi call it stands for. */
export function deliverNotification(line: Notification, host: HostApi): void {
  switch (line.type) {
    case 'event':
      return host.event(line.event, line.fields);
    case 'metric':
      return host.metric(line.metric, line.value, line.options);
    case 'log':
      return host.log(line.level, line.message);
    case 'heartbeat':
      return host.heartbeat(line.seq);
  }
}

/** Any line the worker writes on stdout. */
export type WorkerLine = Response | Notification;

/** What a line splitter reports besides complete lines. */
export interface LineSplitterOptions {
  /** Longest accepted line in UTF-8 bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Called once per line that exceeded the cap, with the bytes seen before it was dropped. */
  onOverflow?: (bytesSeen: number) => void;
}

/**
 * Reassembles lines from arbitrary chunks; calls onLine for each complete line. A line longer than the
 * cap is discarded as it arrives (memory stays bounded by the cap) and reported once through onOverflow.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  options: LineSplitterOptions = {},
): {
  push(chunk: string): void;
  end(): void;
} {
  const cap = options.maxLineBytes ?? MAX_LINE_BYTES;
  // Parts of the current line: a 1 MB line in 32 KB chunks is joined once, not rescanned per chunk.
  let parts: string[] = [];
  let bytes = 0;
  // bytes of an over-long line seen so far; undefined while the current line is within the cap
  let overflowing: number | undefined;
  const emit = (line: string): void => {
    if (line.trim() !== '') onLine(line);
  };
  /** Add a piece of the current line; false once it is over the cap (then its parts are dropped). */
  const add = (piece: string): boolean => {
    const size = Buffer.byteLength(piece, 'utf8');
    if (overflowing !== undefined) {
      overflowing += size;
      return false;
    }
    bytes += size;
    if (bytes <= cap) return true;
    overflowing = bytes;
    parts = [];
    return false;
  };
  const finishLine = (): void => {
    if (overflowing !== undefined) options.onOverflow?.(overflowing);
    else emit(parts.join(''));
    parts = [];
    bytes = 0;
    overflowing = undefined;
  };
  return {
    push(chunk) {
      let start = 0;
      let nl = chunk.indexOf('\n');
      while (nl !== -1) {
        const tail = chunk.slice(start, nl);
        // a UTF-16 unit is at most 3 UTF-8 bytes: short lines skip the byte count
        const fits = tail.length * 3 <= cap || Buffer.byteLength(tail, 'utf8') <= cap;
        if (parts.length === 0 && overflowing === undefined && fits) {
          emit(tail);
        } else {
          if (add(tail)) parts.push(tail);
          finishLine();
        }
        start = nl + 1;
        nl = chunk.indexOf('\n', start);
      }
      if (start < chunk.length) {
        const rest = chunk.slice(start);
        if (add(rest)) parts.push(rest);
      }
    },
    end() {
      finishLine();
    },
  };
}
