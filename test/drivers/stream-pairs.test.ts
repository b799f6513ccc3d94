// Which writer streams from which extractor (runtime/run-step-sequence.ts, listStreamPairs): only a
// writer that needs exactly one non-incremental extractor it alone consumes, both components declaring
// it, and a concurrency of at least 2.
import { describe, expect, it } from 'vitest';
import type { DriverTable, ManifestStep, PreparedRun } from '../../src/core/index.js';
import { DRIVER_MODULES } from '../../src/drivers/index.js';
import { listStreamPairs } from '../../src/runtime/run-step-sequence.js';

const drivers: DriverTable = new Map(DRIVER_MODULES.map((m) => [m.spec.name, m]));

function step(id: string, component: string, mode: ManifestStep['mode'], needs: string[] = []): ManifestStep {
  return { id, component, driver: component, mode, needs, cfg_path: `cfg/${id}.json`, cfg_fp: 'sha256:x' };
}

function prepare(steps: ManifestStep[], configs: Record<string, Record<string, unknown>> = {}): PreparedRun {
  const stepConfigs = new Map(steps.map((s) => [s.id, { config: configs[s.id] ?? {}, metaKeys: [] }]));
  return { manifest: { steps }, stepConfigs } as unknown as PreparedRun;
}

describe('listStreamPairs', () => {
  it('pairs a database or CSV extractor with the database writer that alone consumes it', () => {
    const run = prepare([
      step('e1', 'mysql.extractor', 'read'),
      step('w1', 'postgres.writer', 'write', ['e1']),
      step('e2', 'postgres.extractor', 'read'),
      step('w2', 'mysql.writer', 'write', ['e2']),
      step('e3', 'filesystem.csv_extractor', 'read'),
      step('w3', 'postgres.writer', 'write', ['e3']),
    ]);
    expect([...listStreamPairs(run, drivers, 4)]).toEqual([
      ['e1', 'w1'],
      ['e2', 'w2'],
      ['e3', 'w3'],
    ]);
    expect(listStreamPairs(run, drivers, 1).size).toBe(0);
  });

  it('leaves out incremental and chunked extractors, shared outputs, and components that do not declare it', () => {
    const steps = [
      step('inc', 'mysql.extractor', 'read'),
      step('w-inc', 'postgres.writer', 'write', ['inc']),
      step('shared', 'mysql.extractor', 'read'),
      step('w-a', 'postgres.writer', 'write', ['shared']),
      step('w-b', 'postgres.writer', 'write', ['shared']),
      step('e-csv', 'mysql.extractor', 'read'),
      step('to-csv', 'filesystem.csv_writer', 'write', ['e-csv']),
      step('file', 'filesystem.csv_extractor', 'read'),
      step('to-parquet', 'filesystem.parquet_writer', 'write', ['file']),
      step('x', 'mysql.extractor', 'read'),
      step('y', 'mysql.extractor', 'read'),
      step('w-two', 'postgres.writer', 'write', ['x', 'y']),
    ];
    const incremental = { incremental: { cursor: 'updated_at', primary_key: ['id'] } };
    expect(listStreamPairs(prepare(steps, { inc: incremental }), drivers, 4).size).toBe(0);
    // the same extractor without its incremental key streams
    expect([...listStreamPairs(prepare(steps), drivers, 4)]).toEqual([['inc', 'w-inc']]);
    expect(listStreamPairs(prepare(steps, { inc: { chunk_rows: 1000 } }), drivers, 4).size).toBe(0);
  });
});
