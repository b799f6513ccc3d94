import type { Manifest, ManifestStep, ParsedStepConfig, StepOutcome } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import { createDeferredDataPlane } from './data-plane/index.js';
import type { DuckDbDataPlane, DuckDbDataPlaneOptions } from './data-plane/index.js';
import type { StepHost } from './execute-step.js';
import { executeStep } from './execute-step.js';
import { registerDrivers } from './register-drivers.js';

/** Loads the DuckDB data plane module (the worker passes one that reuses its prefetch). */
export type DuckDbModuleLoader = () => Promise<{
  createDuckDbDataPlane(options: DuckDbDataPlaneOptions): Promise<DuckDbDataPlane>;
}>;

/** Data-plane settings of a run. */
export interface DataPlaneSettings {
  /** DuckDB memory limit, e.g. `1GB`. */
  memoryLimit: string;
  /** DuckDB threads. */
  threads: number;
  /** Directories a step's SQL may touch (sandbox runs only). */
  confineTo?: readonly string[];
}

/**
 * The one step host: the local adapter and the sandbox worker both run their steps through it.
 * prepare registers the manifest's drivers and opens the deferred data plane; run executes one step;
 * close releases the data plane (idempotent).
 */
export interface StepRunner {
  /** Check and announce the drivers, open the data plane; returns the drivers the manifest uses. */
  prepare(manifest: Manifest, settings: DataPlaneSettings): Promise<string[]>;
  /** Execute one step; step failures resolve with ok=false. */
  run(
    step: ManifestStep,
    config: ParsedStepConfig,
    inputs: Record<string, string>,
    signal: AbortSignal,
  ): Promise<StepOutcome>;
  /** Cancel the data-plane statement running now (Ctrl-C, timeout). */
  interrupt(): void;
  /** Close the data plane. */
  close(): Promise<void>;
}

const loadDuckDbModule: DuckDbModuleLoader = () => import('./data-plane/duckdb-data-plane.js');

/** A step runner on `host`; DuckDB's module loads through `load` when a step first needs it. */
export function createStepRunner(host: StepHost, load: DuckDbModuleLoader = loadDuckDbModule): StepRunner {
  let dataPlane: DuckDbDataPlane | undefined;
  return {
    async prepare(manifest, settings) {
      const used = registerDrivers(manifest, host.drivers, host.sink);
      // DuckDB's native addon loads when a step first needs it (never, for a run that only hands
      // extracted files to writers, nor for commands that run nothing)
      dataPlane = await createDeferredDataPlane({ workDir: host.workDir, ...settings }, async (options) =>
        (await load()).createDuckDbDataPlane(options),
      );
      return used;
    },
    async run(step, config, inputs, signal) {
      if (!dataPlane)
        throw new OsirisError('internal', `step ${step.id} run before the step host was prepared`);
      return executeStep({ host, dataPlane, step, config, inputs, signal });
    },
    interrupt() {
      dataPlane?.interrupt();
    },
    async close() {
      const plane = dataPlane;
      dataPlane = undefined;
      await plane?.close();
    },
  };
}
