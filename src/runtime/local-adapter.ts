import type {
  DriverTable,
  ExecutionAdapter,
  IncrementalStart,
  ManifestStep,
  StepOutcome,
} from '../core/index.js';
import { OsirisError } from '../core/index.js';
import type { StepRunner } from './step-runner.js';
import { createStepRunner } from './step-runner.js';

/** Runs steps in this process, through the step runner, with a run-local DuckDB data plane. */
export function createLocalAdapter(drivers: DriverTable): ExecutionAdapter {
  let runner: StepRunner | undefined;
  let steps:
    | ((step: ManifestStep, inputs: Record<string, string>, start?: IncrementalStart) => Promise<StepOutcome>)
    | undefined;
  return {
    kind: 'local',
    transport: undefined,
    async prepare(run) {
      const host = {
        drivers,
        connections: run.connections.lookup,
        sink: run.sink,
        log: run.log,
        sessionDir: run.sessionDir,
        projectDir: run.projectDir,
        workDir: run.workDir,
        mask: run.mask,
      };
      const prepared = createStepRunner(host);
      runner = prepared;
      await prepared.prepare(
        run.manifest,
        { memoryLimit: run.memoryLimit, threads: run.threads },
        run.starts,
        run.streams,
      );
      // a long DuckDB statement would otherwise run to its end after Ctrl-C or the run timeout
      run.signal.addEventListener('abort', () => prepared.interrupt(), { once: true });
      steps = async (step, inputs, start) => {
        const config = run.stepConfigs.get(step.id);
        if (config === undefined) throw new OsirisError('internal', `no cfg for step ${step.id}`);
        return prepared.run(step, config, inputs, run.signal, start);
      };
    },
    async execute(step, inputs, start) {
      if (!steps) throw new OsirisError('internal', 'local adapter used before prepare');
      return steps(step, inputs, start);
    },
    async collect() {
      const closing = runner;
      runner = undefined;
      steps = undefined;
      await closing?.close();
    },
  };
}
