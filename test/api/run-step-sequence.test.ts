// The run's error names the cause: when a streamed writer fails and its extractor is only stopped by that,
// the writer is the failed step, whichever outcome arrives first. A fake adapter, no drivers.
import { describe, expect, it } from 'vitest';
import type { ExecutionAdapter, ManifestStep, PreparedRun, StepOutcome } from '../../src/core/index.js';
import { runStepSequence } from '../../src/runtime/run-step-sequence.js';
import type { SequenceTally } from '../../src/runtime/run-step-sequence.js';
import { renderStoppedBy } from '../../src/runtime/stopped-by.js';

const step = (id: string, mode: ManifestStep['mode'], needs: string[]): ManifestStep => ({
  id,
  component: 'x',
  driver: 'x',
  mode,
  needs,
  cfg_path: `cfg/${id}.json`,
  cfg_fp: 'sha256:0',
});

const failure = (code: string, message: string): StepOutcome => ({
  ok: false,
  rowsRead: 0,
  rowsWritten: 0,
  rowsProcessed: 0,
  outputFiles: [],
  error: { code, message, type: 'OsirisError' },
});

async function runPair(writerFirst: boolean): Promise<SequenceTally> {
  const steps = [step('read', 'read', []), step('load', 'write', ['read'])];
  const run = { manifest: { steps }, stepConfigs: new Map(), signal: new AbortController().signal };
  const outcomes: Record<string, StepOutcome> = {
    load: failure('sql_error', 'load: check constraint violated'),
    read: failure('sql_error', renderStoppedBy('load', 'load: check constraint violated')),
  };
  const adapter = {
    kind: 'local',
    transport: undefined,
    prepare: async () => undefined,
    collect: async () => undefined,
    // the outcome that comes second waits a little longer
    execute: (s: ManifestStep) =>
      new Promise<StepOutcome>((done) =>
        setTimeout(() => done(outcomes[s.id] as StepOutcome), (s.id === 'load') === writerFirst ? 5 : 30),
      ),
  } as unknown as ExecutionAdapter;
  const tally: SequenceTally = {
    completed: 0,
    rowsRead: 0,
    rowsWritten: 0,
    failedStep: undefined,
    error: undefined,
  };
  await runStepSequence(run as unknown as PreparedRun, adapter, tally, {
    concurrency: 2,
    onOutcome: () => undefined,
    streams: new Map([['read', 'load']]),
  });
  return tally;
}

describe('the failed step of a run', () => {
  it.each([true, false])(
    'is the streamed writer that stopped its extractor (writer first: %s)',
    async (first) => {
      const tally = await runPair(first);
      expect(tally.failedStep).toBe('load');
      expect(tally.error).toEqual({ code: 'sql_error', message: 'load: check constraint violated' });
    },
  );
});
