import type { EventSink } from './catalogue.js';
import type { RunConnections } from './connection.js';
import type { StepLogger } from './driver.js';
import type { Boundary, IncrementalStart } from './incremental.js';
import type { Manifest, ManifestStep } from './manifest.js';

/** Everything an adapter needs to run a manifest; built by the host, which keeps the session. */
export interface PreparedRun {
  /** `run_<id>`. */
  sessionId: string;
  /** Absolute session directory (`logs/run_<id>`). */
  sessionDir: string;
  /** Project directory that relative paths resolve against. */
  projectDir: string;
  /** Scratch area of this run (data plane, spill files); removed after the run. */
  workDir: string;
  /** The compiled plan. */
  manifest: Manifest;
  /** Exact bytes of manifest.yaml. */
  manifestText: string;
  /** Exact bytes of each `cfg/<step>.json`, by step id. */
  cfgTexts: ReadonlyMap<string, string>;
  /** Each cfg parsed once (parseStepConfig), by step id. */
  stepConfigs: ReadonlyMap<string, ParsedStepConfig>;
  /** The run's connections, resolved on the host (in memory only). */
  connections: RunConnections;
  /** Masks secret values in any text that leaves the process. */
  mask: (text: string) => string;
  /** The session's event and metric sink. */
  sink: EventSink;
  /** The session's log. */
  log: StepLogger;
  /** Aborted on Ctrl-C or run timeout. */
  signal: AbortSignal;
  /** DuckDB memory limit for the data plane, e.g. `1GB`. */
  memoryLimit: string;
  /** DuckDB threads of the data plane. */
  threads: number;
  /** Where each incremental extractor starts, by step id (read from the state before prepare). */
  starts?: ReadonlyMap<string, IncrementalStart>;
  /** Extractor → the writer that reads its rows while it extracts them (a streamed hand-over). */
  streams?: ReadonlyMap<string, string>;
}

/** A step's cfg as the runtime uses it: the driver's config, and the compiler's meta keys it held. */
export interface ParsedStepConfig {
  /** The config without the meta keys (what the driver gets). */
  config: Record<string, unknown>;
  /** Meta keys (`_step`, `_component`, `_mode`) found in the cfg and left out of `config`. */
  metaKeys: string[];
}

/** An input binding as sessions and the worker protocol record it: the upstream step and its output key. */
export interface InputRef {
  /** Upstream step id. */
  from_step: string;
  /** Output key of that step (always `df`: the step's data-plane table). */
  key: string;
}

/** Input names of a step: each upstream id binds under its own name (input name → upstream step id). */
export function listStepInputs(step: ManifestStep): Record<string, string> {
  return Object.fromEntries(step.needs.map((id) => [id, id]));
}

/** Input bindings as InputRefs (the `inputs_resolved` event, the `exec_step` command). */
export function encodeInputRefs(inputs: Readonly<Record<string, string>>): Record<string, InputRef> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, from]) => [name, { from_step: from, key: 'df' }]),
  );
}

/** The inverse of encodeInputRefs: input name → upstream step id. */
export function decodeInputRefs(refs: Readonly<Record<string, InputRef>>): Record<string, string> {
  return Object.fromEntries(Object.entries(refs).map(([name, ref]) => [name, ref.from_step]));
}

/** Result of one step as the host sees it. */
export interface StepOutcome {
  /** Whether the step succeeded. */
  ok: boolean;
  /** Rows read (extractors). */
  rowsRead: number;
  /** Rows written (writers). */
  rowsWritten: number;
  /** Rows produced or consumed. */
  rowsProcessed: number;
  /** Files the step wrote outside the session (absolute host paths). */
  outputFiles: string[];
  /** Incremental extractors: the last (cursor, key) tuple read, when any row was. */
  boundary?: Boundary;
  /** Set when ok is false: stable code and masked message. */
  error?: { code: string; message: string; type: string };
}

/** Where steps execute (docs/remote-transports.md): local in-process or remote through a transport. */
export interface ExecutionAdapter {
  /** `local` or `remote`. */
  readonly kind: 'local' | 'remote';
  /** Transport name for remote adapters (`e2b`, `local`). */
  readonly transport: string | undefined;
  /** Set up the place where steps run (data plane, sandbox, worker, driver registration events). */
  prepare(run: PreparedRun): Promise<void>;
  /**
   * Execute one step; step failures resolve with ok=false, only adapter failures reject. `start` overrides
   * an incremental extractor's prepared start (the next chunk of a chunked read).
   */
  execute(step: ManifestStep, inputs: Record<string, string>, start?: IncrementalStart): Promise<StepOutcome>;
  /** Bring outputs back and release everything; called on every path, idempotent. */
  collect(): Promise<void>;
}
