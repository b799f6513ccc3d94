import type { EventFields, EventName } from './catalogue.js';
import type { ComponentSpec } from './component-spec.js';
import type { ResolvedConnection } from './connection.js';
import type { DataPlane } from './data-plane.js';
import type { Boundary, IncrementalStart, PendingState, StateStore } from './incremental.js';

/** Human-readable log lines of a step (osiris.log / debug.log). */
export interface StepLogger {
  /** Normal progress. */
  info(message: string): void;
  /** Details for debug.log only. */
  debug(message: string): void;
  /** Something odd that did not fail the step. */
  warn(message: string): void;
}

/** What a driver may use while it runs; built by the runtime, fresh for every step. */
export interface StepContext {
  /** The step id. */
  stepId: string;
  /** Project directory: relative paths in the config resolve against it. */
  projectDir: string;
  /** `artifacts/<step>/` in the session (already created). */
  artifactsDir: string;
  /** Scratch directory for this run (removed after the run). */
  workDir: string;
  /** The run-local data plane. */
  dataPlane: DataPlane;
  /** Emit a writer event such as `write.progress` (step_id is added). */
  emit(name: EventName, fields: EventFields): void;
  /** Record an artifact file written under artifactsDir (emits artifact_created). */
  recordArtifact(path: string, type: string): void;
  /** Aborted on Ctrl-C or timeout. */
  signal: AbortSignal;
  /** Log lines. */
  log: StepLogger;
}

/** Input to a driver run. */
export interface DriverRequest {
  /** Config with spec defaults, meta keys stripped, `connection` still a reference. */
  config: Record<string, unknown>;
  /** The resolved connection when the component takes one. */
  connection: ResolvedConnection | undefined;
  /** Input name → upstream step id (its data-plane table). */
  inputs: Record<string, string>;
  /** Step context. */
  ctx: StepContext;
  /** Incremental extractors: where to start (present exactly when the config has `incremental`). */
  incremental?: IncrementalStart;
  /** Writers: the boundaries of the incremental extractors upstream, to store with the rows. */
  pendingStates?: PendingState[];
  /** Writers with pendingStates: the manifest's pipeline id (the state key). */
  pipelineId?: string;
}

/** What a driver reports; the runtime turns it into metrics and events. */
export interface DriverResult {
  /** Rows read from a source (extractors). */
  rowsRead?: number;
  /** Rows the target confirmed (writers). */
  rowsWritten?: number;
  /** Rows the step produced or consumed. */
  rowsProcessed: number;
  /** Files written outside the session (absolute paths), so remote runs can bring them back. */
  outputFiles?: string[];
  /** Incremental extractors: the last (cursor, key) tuple read; absent when nothing was read. */
  boundary?: Boundary;
}

/** Executes one step. Fresh instance per step; keeps no state between steps. */
export interface Driver {
  /** Run the step. Throws OsirisError with a stable code on expected failures. */
  run(request: DriverRequest): Promise<DriverResult>;
}

/** A component as the registry binds it: its spec and a factory for fresh drivers. */
export interface DriverModule {
  /** The component spec. */
  spec: ComponentSpec;
  /** A fresh driver. */
  create(): Driver;
  /**
   * Writers that commit state in their own transaction: the store beside the target of this config.
   * Writers without it get their state kept in files by the runtime, after their output is in place.
   */
  openStateStore?(config: Record<string, unknown>, connection: ResolvedConnection | undefined): StateStore;
}

/** The driver table a composition root binds (component name → module). */
export type DriverTable = ReadonlyMap<string, DriverModule>;
