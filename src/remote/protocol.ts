import type { ResolvedConnection, RuntimeDependency, StepOutcome } from '../core/index.js';

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

/** Input binding of an exec_step command (file-only contract: names, never data or config). */
export interface InputRef {
  /** Upstream step id. */
  from_step: string;
  /** Output key of that step (always `df`: the step's data-plane table). */
  key: string;
}

/** A command as written to commands.jsonl: no id, no secret, no inline config. */
export type Command =
  | { cmd: 'ping'; protocol: number }
  | {
      cmd: 'prepare';
      manifest_path: string;
      install_deps: boolean;
      memory_limit: string;
      threads: number;
      /** Runtime dependencies of the components the manifest uses (not all components). */
      dependencies: RuntimeDependency[];
    }
  | { cmd: 'exec_step'; step_id: string; driver: string; cfg_path: string; inputs: Record<string, InputRef> }
  | { cmd: 'cleanup'; archive_path: string };

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

/**
 * A response: exactly one per request. `id` is null only when a line was refused before its id could be
 * read (not JSON, not an object, over MAX_LINE_BYTES, or an id that is not a whole number).
 */
export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: { code: string; message: string; type: string } };

/** Worker → host notifications, forwarded into the host's session as they arrive. */
export type Notification =
  | { type: 'event'; line: Record<string, unknown> }
  | { type: 'metric'; line: Record<string, unknown> }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  | { type: 'heartbeat'; seq: number };

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
