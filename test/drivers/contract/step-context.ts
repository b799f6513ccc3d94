// A hand-built StepContext for driver tests: a real data plane, real directories, events and artifacts kept in arrays.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataPlane, EventFields, StepContext } from '../../../src/core/index.js';
import type { CanonicalFileRegistry } from '../../../src/runtime/data-plane/canonical-file-registry.js';
import { createCanonicalFileRegistry } from '../../../src/runtime/data-plane/canonical-file-registry.js';
import { createDuckDbDataPlane } from '../../../src/runtime/data-plane/duckdb-data-plane.js';
import type { DuckDbDataPlane } from '../../../src/runtime/data-plane/duckdb-data-plane.js';

/** What a test sees of a step run besides the driver result. */
export interface RecordedStep {
  /** Events emitted through ctx.emit, with step_id added as the runtime does. */
  events: { name: string; fields: EventFields }[];
  /** Artifacts recorded through ctx.recordArtifact. */
  artifacts: { path: string; type: string }[];
  /** Log lines (level and text). */
  logs: { level: string; message: string }[];
}

/** A scratch area: project dir, work dir and a real DuckDB data plane. */
export interface DriverHarness {
  /** The project directory (relative config paths resolve against it). */
  projectDir: string;
  /** The run's work directory. */
  workDir: string;
  /** The data plane shared by the steps of this harness. */
  dataPlane: DuckDbDataPlane;
  /** The data plane's kept canonical CSV files (an extractor's bytes handed over unparsed). */
  keptFiles: CanonicalFileRegistry;
  /** A fresh context for one step, and what it records. */
  createContext(
    stepId: string,
    options?: { signal?: AbortSignal },
  ): { ctx: StepContext; recorded: RecordedStep };
  /** Close the data plane and remove every directory. */
  dispose(): Promise<void>;
}

/** Create a harness under the OS temp dir (memory limit small on purpose: tests run in parallel). */
export async function createDriverHarness(memoryLimit = '256MB'): Promise<DriverHarness> {
  const root = mkdtempSync(join(tmpdir(), 'osiris-drivers-'));
  const projectDir = join(root, 'project');
  const workDir = join(root, 'work');
  mkdirSync(projectDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const keptFiles = createCanonicalFileRegistry();
  const dataPlane = await createDuckDbDataPlane({
    workDir,
    memoryLimit,
    threads: 1,
    canonicalFiles: keptFiles,
  });
  return {
    projectDir,
    workDir,
    dataPlane,
    keptFiles,
    createContext(stepId, options = {}) {
      return createStepContext({
        stepId,
        projectDir,
        workDir,
        dataPlane,
        artifactsDir: join(root, 'artifacts', stepId),
        signal: options.signal,
      });
    },
    async dispose() {
      await dataPlane.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A StepContext whose emitters push into arrays. */
export function createStepContext(input: {
  stepId: string;
  projectDir: string;
  workDir: string;
  dataPlane: DataPlane;
  artifactsDir: string;
  signal?: AbortSignal;
}): { ctx: StepContext; recorded: RecordedStep } {
  mkdirSync(input.artifactsDir, { recursive: true });
  const recorded: RecordedStep = { events: [], artifacts: [], logs: [] };
  const ctx: StepContext = {
    stepId: input.stepId,
    projectDir: input.projectDir,
    artifactsDir: input.artifactsDir,
    workDir: input.workDir,
    dataPlane: input.dataPlane,
    emit: (name, fields) => recorded.events.push({ name, fields: { step_id: input.stepId, ...fields } }),
    recordArtifact: (path, type) => recorded.artifacts.push({ path, type }),
    signal: input.signal ?? new AbortController().signal,
    log: {
      info: (message) => recorded.logs.push({ level: 'info', message }),
      debug: (message) => recorded.logs.push({ level: 'debug', message }),
      warn: (message) => recorded.logs.push({ level: 'warn', message }),
    },
  };
  return { ctx, recorded };
}
