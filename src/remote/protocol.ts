import type { ResolvedConnection, RuntimeDependency, StepOutcome } from '../core/index.js';

/** Checked at `ping`: host and worker must speak the same version. */
export const PROTOCOL_VERSION = 1;

/** Worker heartbeat period; the host declares the worker lost after HEARTBEAT_LOSS_MS without any line. */
export const HEARTBEAT_INTERVAL_MS = 1000;
export const HEARTBEAT_LOSS_MS = 4000;

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

/** A response: exactly one per request. */
export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string; type: string } };

/** Worker → host notifications, forwarded into the host's session as they arrive. */
export type Notification =
  | { type: 'event'; line: Record<string, unknown> }
  | { type: 'metric'; line: Record<string, unknown> }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  | { type: 'heartbeat'; seq: number };

/** Any line the worker writes on stdout. */
export type WorkerLine = Response | Notification;

/** Reassembles lines from arbitrary chunks; calls onLine for each complete line. */
export function createLineSplitter(onLine: (line: string) => void): {
  push(chunk: string): void;
  end(): void;
} {
  // Parts of the current line: a 1 MB line in 32 KB chunks is joined once, not rescanned per chunk.
  let parts: string[] = [];
  const emit = (line: string): void => {
    if (line.trim() !== '') onLine(line);
  };
  return {
    push(chunk) {
      let start = 0;
      let nl = chunk.indexOf('\n');
      while (nl !== -1) {
        const tail = chunk.slice(start, nl);
        if (parts.length > 0) {
          parts.push(tail);
          emit(parts.join(''));
          parts = [];
        } else emit(tail);
        start = nl + 1;
        nl = chunk.indexOf('\n', start);
      }
      if (start < chunk.length) parts.push(chunk.slice(start));
    },
    end() {
      emit(parts.join(''));
      parts = [];
    },
  };
}
