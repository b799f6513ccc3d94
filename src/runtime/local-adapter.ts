import type { DriverTable, ExecutionAdapter, ManifestStep, PreparedRun, StepOutcome } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import { createDeferredDataPlane } from './deferred-data-plane.js';
import type { DuckDbDataPlane } from './duckdb-data-plane.js';
import { executeStep } from './execute-step.js';
import { registerDrivers } from './register-drivers.js';

/** Runs steps in this process with a run-local DuckDB data plane. */
export function createLocalAdapter(drivers: DriverTable): ExecutionAdapter {
  let run: PreparedRun | undefined;
  let dataPlane: DuckDbDataPlane | undefined;
  return {
    kind: 'local',
    transport: undefined,
    async prepare(prepared) {
      run = prepared;
      registerDrivers(prepared.manifest, drivers, prepared.sink);
      // DuckDB's native addon loads when a step first needs it (never, for a run that only hands
      // extracted files to writers, nor for commands that run nothing)
      dataPlane = await createDeferredDataPlane(
        { workDir: prepared.workDir, memoryLimit: prepared.memoryLimit, threads: prepared.threads },
        async (options) => (await import('./duckdb-data-plane.js')).createDuckDbDataPlane(options),
      );
      // a long DuckDB statement would otherwise run to its end after Ctrl-C or the run timeout
      prepared.signal.addEventListener('abort', () => dataPlane?.interrupt(), { once: true });
    },
    async execute(step: ManifestStep, inputs: Record<string, string>): Promise<StepOutcome> {
      if (!run || !dataPlane) throw new OsirisError('internal', 'local adapter used before prepare');
      const cfgText = run.cfgTexts.get(step.id);
      if (cfgText === undefined) throw new OsirisError('internal', `no cfg for step ${step.id}`);
      return executeStep({
        step,
        cfgText,
        inputs,
        drivers,
        connections: run.connections,
        dataPlane,
        sink: run.sink,
        log: run.log,
        sessionDir: run.sessionDir,
        projectDir: run.projectDir,
        workDir: run.workDir,
        signal: run.signal,
        mask: run.mask,
      });
    },
    async collect() {
      const plane = dataPlane;
      dataPlane = undefined;
      await plane?.close();
    },
  };
}
