// Helpers for the tests of extractors that hand their rows over as canonical CSV (no DuckDB pass).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { DriverModule, ResolvedConnection } from '../../src/core/index.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { runDriver } from './db-test-kit.js';

/** The rows of a step's handed-over file (after its header line); fails if the output was parsed instead. */
export function readHandedOverRows(harness: DriverHarness, stepId: string): string {
  const file = harness.keptFiles.get(stepId);
  expect(file, `${stepId} handed over unparsed`).toBeDefined();
  const { path, headerBytes } = file as { path: string; headerBytes: number };
  return readFileSync(path).subarray(headerBytes).toString('utf8');
}

/** Parse a step's output once (a query step over it) and return DuckDB's own canonical CSV of it, no header. */
export async function renderParsed(harness: DriverHarness, stepId: string): Promise<string> {
  await harness.dataPlane.createFromQuery(`${stepId}_parsed`, 'SELECT * FROM input_df', { input_df: stepId });
  const rendered = join(harness.workDir, `${stepId}_parsed.csv`);
  await harness.dataPlane.export(`${stepId}_parsed`, {
    format: 'csv',
    path: rendered,
    delimiter: ',',
    header: false,
    quote: '"',
  });
  return readFileSync(rendered, 'utf8');
}

/** Extract with `module`; return the handed-over rows, DuckDB's rendering after parsing them, and rows_read. */
export async function extractBothWays(
  harness: DriverHarness,
  module: DriverModule,
  connection: ResolvedConnection,
  stepId: string,
  config: Record<string, unknown>,
) {
  const extracted = await runDriver(harness, module, stepId, { config, connection });
  expect(extracted.error).toBeUndefined();
  const handedOver = readHandedOverRows(harness, stepId);
  const rendered = await renderParsed(harness, stepId);
  return { handedOver, rendered, rows: extracted.result?.rowsRead };
}
