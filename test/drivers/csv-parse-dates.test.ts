// `parse_dates` on filesystem.csv_extractor: the named columns are TIMESTAMP, as if config.columns declared
// them so; with or without explicit columns; a value that is no date fails with file:line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Write `name` into the project and read it with this config (path added). */
async function extract(stepId: string, name: string, text: string, config: Record<string, unknown>) {
  writeFileSync(join(h.projectDir, name), text);
  const { ctx } = h.createContext(stepId);
  const result = await csvExtractorModule.create().run({
    config: { path: name, ...config },
    connection: undefined,
    inputs: {},
    ctx,
  });
  return { result, info: await h.dataPlane.describe(stepId) };
}

async function failureOf(run: () => Promise<unknown>): Promise<OsirisError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OsirisError);
  return error as OsirisError;
}

const typesOf = (columns: { name: string; type: string }[]) =>
  Object.fromEntries(columns.map((c) => [c.name, c.type]));

const CUSTOMERS =
  'id,name,created_at,signup_day,note\n' +
  '1,Ann,2024-01-15 10:30:00,2024-01-15,2024-03-01\n' +
  '2,Bob,2024-02-01,2024-02-01,\n' +
  '3,Cy,,2024-02-02,x\n';

describe('parse_dates without columns (types detected for the rest)', () => {
  it('the named columns become TIMESTAMP, dates at midnight, empty stays NULL; the rest keep their detected types', async () => {
    const { result, info } = await extract('c1', 'c1.csv', CUSTOMERS, {
      parse_dates: ['created_at', 'signup_day'],
    });
    expect(result.rowsRead).toBe(3);
    expect(typesOf(info.columns)).toEqual({
      id: 'BIGINT',
      name: 'VARCHAR',
      created_at: 'TIMESTAMP',
      signup_day: 'TIMESTAMP',
      note: 'VARCHAR',
    });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'c1')).toBe(
      'id,name,created_at,signup_day,note\n' +
        '1,Ann,2024-01-15 10:30:00,2024-01-15 00:00:00,2024-03-01\n' +
        '2,Bob,2024-02-01 00:00:00,2024-02-01 00:00:00,\n' +
        '3,Cy,,2024-02-02 00:00:00,x\n',
    );
  });

  it('without parse_dates the same file keeps the detected DATE (the option is what changes the type)', async () => {
    const { info } = await extract('c2', 'c2.csv', CUSTOMERS, {});
    expect(typesOf(info.columns).signup_day).toBe('DATE');
  });

  it('a value that is no timestamp fails with file:line and names parse_dates', async () => {
    const text = 'id,created_at\n1,2024-01-01\n2,2024-01-02\n3,soon\n4,2024-01-04\n';
    const error = await failureOf(() => extract('bad1', 'bad1.csv', text, { parse_dates: ['created_at'] }));
    expect(error.code).toBe('io_error');
    expect(error.message).toBe(
      `bad1: ${join(h.projectDir, 'bad1.csv')}:4: column "created_at": could not convert string "soon" to 'TIMESTAMP' (config.parse_dates reads it as TIMESTAMP)`,
    );
  });

  it('a column detected as a number is no date either: file:line of its first value', async () => {
    const text = 'id,day\n1,20240101\n2,20240102\n';
    const error = await failureOf(() => extract('bad2', 'bad2.csv', text, { parse_dates: ['day'] }));
    expect(error.code).toBe('io_error');
    expect(error.message).toMatch(
      new RegExp(`bad2\\.csv:2: column "day": could not convert string "20240101" to 'TIMESTAMP'`),
    );
  });

  it('a parse_dates column the file does not have: config_error with the step path and the file columns', async () => {
    const error = await failureOf(() =>
      extract('miss', 'miss.csv', CUSTOMERS, { parse_dates: ['created', 'note'] }),
    );
    expect(error.code).toBe('config_error');
    expect(error.message).toBe(
      "step miss config.parse_dates: config.parse_dates names 'created', which miss.csv does not have (its columns: id, name, created_at, signup_day, note)",
    );
  });
});

describe('parse_dates with columns', () => {
  const columns = [
    { name: 'id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'created_at', type: 'VARCHAR' },
    { name: 'signup_day', type: 'DATE' },
    { name: 'note', type: 'VARCHAR' },
  ];

  it('a column declared TIMESTAMP (any spelling) and named in parse_dates reads as TIMESTAMP', async () => {
    const declared = columns.map((c) => (c.name === 'created_at' ? { ...c, type: 'timestamp' } : c));
    const { info } = await extract('e1', 'e1.csv', CUSTOMERS, {
      columns: declared,
      parse_dates: ['created_at'],
    });
    expect(typesOf(info.columns)).toMatchObject({
      id: 'INTEGER',
      created_at: 'TIMESTAMP',
      signup_day: 'DATE',
    });
  });

  it('a conflicting type is a config_error naming both keys; a column columns lacks is one too', async () => {
    const conflict = await failureOf(() =>
      extract('e2', 'e2.csv', CUSTOMERS, { columns, parse_dates: ['signup_day'] }),
    );
    expect(conflict.code).toBe('config_error');
    expect(conflict.message).toBe(
      "step e2 config.parse_dates: config.parse_dates reads 'signup_day' as TIMESTAMP, but config.columns declares it DATE; drop it from one of them",
    );
    const lacking = await failureOf(() =>
      extract('e3', 'e3.csv', CUSTOMERS, { columns, parse_dates: ['updated_at'] }),
    );
    expect(lacking.code).toBe('config_error');
    expect(lacking.message).toContain(
      "config.parse_dates names 'updated_at', which config.columns does not declare",
    );
  });

  it('a bad value in a declared TIMESTAMP column named in parse_dates fails with file:line', async () => {
    const declared = [
      { name: 'id', type: 'INTEGER' },
      { name: 'created_at', type: 'TIMESTAMP' },
    ];
    const text = 'id,created_at\n1,2024-01-01 00:00:00\n2,"2024-13-45"\n';
    const error = await failureOf(() =>
      extract('e4', 'e4.csv', text, { columns: declared, parse_dates: ['created_at'] }),
    );
    expect(error.code).toBe('io_error');
    expect(error.message).toMatch(
      /e4\.csv:3: column "created_at": .*\(config\.parse_dates reads it as TIMESTAMP\)$/,
    );
  });
});
