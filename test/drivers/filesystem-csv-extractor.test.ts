import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { csvExtractorModule } from '../../src/drivers/csv/filesystem-csv-extractor.js';
import { readTableAsCanonicalCsv } from './contract/driver-contract.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';

let h: DriverHarness;
beforeAll(async () => {
  h = await createDriverHarness();
});
afterAll(async () => {
  await h.dispose();
});

async function extract(stepId: string, config: Record<string, unknown>) {
  const { ctx, recorded } = h.createContext(stepId);
  const result = await csvExtractorModule.create().run({ config, connection: undefined, inputs: {}, ctx });
  return { result, recorded };
}

describe('filesystem.csv_extractor', () => {
  it('has a draft-07 spec with defaults, no extra keys and a valid example', () => {
    const { spec } = csvExtractorModule;
    expect(spec.name).toBe('filesystem.csv_extractor');
    expect(spec.modes).toEqual(['read']);
    expect(spec.pathKeys).toEqual(['path']);
    expect(spec.secrets).toEqual([]);
    expect(spec.runtimeDependencies).toEqual([{ name: '@duckdb/node-api', version: '1.5.6-r.1' }]);
    const ajv = new Ajv({ strict: false, useDefaults: true });
    const validate = ajv.compile(spec.configSchema);
    const config: Record<string, unknown> = { path: 'x.csv' };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({
      path: 'x.csv',
      delimiter: ',',
      header: true,
      quote: '"',
      escape: '"',
      encoding: 'utf-8',
      null_string: '',
    });
    expect(validate({ ...spec.example })).toBe(true);
    expect(validate({ path: 'x.csv', nope: 1 })).toBe(false);
    expect(validate({ path: 'x.csv', encoding: 'ebcdic' })).toBe(false);
  });

  it('resolves a relative path against the project directory, never the current directory', async () => {
    mkdirSync(join(h.projectDir, 'data'), { recursive: true });
    writeFileSync(join(h.projectDir, 'data', 'people.csv'), 'id,name\n1,Ana\n2,""\n3,\n');
    expect(process.cwd()).not.toBe(h.projectDir);
    const { result, recorded } = await extract('extract-people', { path: 'data/people.csv' });
    expect(result).toEqual({ rowsRead: 3, rowsProcessed: 3 });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'extract-people')).toBe('id,name\n1,Ana\n2,""\n3,\n');
    expect(recorded.logs.some((l) => l.message.includes('3 rows'))).toBe(true);
  });

  it('reads tab-separated text without header, a custom null string and explicit types', async () => {
    writeFileSync(join(h.projectDir, 'plain.tsv'), '7\t10.50\tNA\n8\tNA\t""\n');
    await extract('extract-tsv', {
      path: 'plain.tsv',
      delimiter: '\t',
      header: false,
      null_string: 'NA',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'price', type: 'DECIMAL(12,2)' },
        { name: 'note', type: 'VARCHAR' },
      ],
    });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'extract-tsv')).toBe(
      'id,price,note\n7,10.50,\n8,,""\n',
    );
  });

  it('reads UTF-16 and latin-1 files', async () => {
    writeFileSync(
      join(h.projectDir, 'u16.csv'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('n\nJosé 🎬\n', 'utf16le')]),
    );
    await extract('extract-u16', { path: 'u16.csv', encoding: 'utf-16' });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'extract-u16')).toBe('n\nJosé 🎬\n');
    writeFileSync(join(h.projectDir, 'l1.csv'), Buffer.from('n\nJosé\n', 'latin1'));
    await extract('extract-l1', { path: 'l1.csv', encoding: 'latin-1' });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'extract-l1')).toBe('n\nJosé\n');
  });

  it('an unknown type in config.columns is config_error naming config.columns (was io_error with DuckDB text)', async () => {
    writeFileSync(join(h.projectDir, 'typed.csv'), 'id,name\n1,a\n');
    const columns = [
      { name: 'id', type: 'BIGNT' },
      { name: 'name', type: 'VARCHAR' },
    ];
    const error = await extract('extract-bad-type', { path: 'typed.csv', columns }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).code).toBe('config_error');
    expect((error as OsirisError).message).toBe(
      'extract-bad-type: config.columns: unknown type BIGNT (expected a DuckDB type such as BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, DATE, TIMESTAMP or BOOLEAN)',
    );
    expect((error as OsirisError).where).toBe('extract-bad-type');
  });

  it('fails with io_error naming the resolved path and the step when the file is missing', async () => {
    const error = await extract('extract-missing', { path: 'data/absent.csv' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).code).toBe('io_error');
    expect((error as OsirisError).message).toContain(join(h.projectDir, 'data', 'absent.csv'));
    expect((error as OsirisError).where).toBe('extract-missing');
    const dir = await extract('extract-dir', { path: 'data' }).catch((e: unknown) => e);
    expect((dir as OsirisError).code).toBe('io_error');
  });
});
