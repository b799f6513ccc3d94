import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { duckdbProcessorModule } from '../../src/drivers/duckdb/duckdb-processor.js';
import { readMoviesTables, readTableAsCanonicalCsv } from './contract/driver-contract.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';
import { STANDARD_CSV } from './contract/standard-csv.js';

let h: DriverHarness;
beforeAll(async () => {
  h = await createDriverHarness();
  for (const table of readMoviesTables()) {
    await h.dataPlane.createFromCsv(`extract-${table.name.replaceAll('_', '-')}`, {
      path: table.csvPath,
      ...STANDARD_CSV,
      columns: table.columns.map(({ name, type }) => ({ name, type })),
    });
  }
});
afterAll(async () => {
  await h.dispose();
});

async function transform(stepId: string, query: string, inputs: Record<string, string>) {
  const { ctx } = h.createContext(stepId);
  return duckdbProcessorModule.create().run({ config: { query }, connection: undefined, inputs, ctx });
}

describe('duckdb.processor', () => {
  it('has a spec that requires a query and refuses other keys', () => {
    const validate = new Ajv({ strict: false }).compile(duckdbProcessorModule.spec.configSchema);
    expect(validate({ query: 'SELECT 1' })).toBe(true);
    expect(validate({})).toBe(false);
    expect(validate({ query: 'SELECT 1', extra: true })).toBe(false);
    expect(validate(duckdbProcessorModule.spec.example)).toBe(true);
    expect(duckdbProcessorModule.spec.modes).toEqual(['transform']);
  });

  it('joins two inputs and aggregates, keeping DECIMAL sums exact', async () => {
    const result = await transform(
      'by-director',
      `SELECT d.name AS director, count(*) AS movies, sum(m.budget_usd) AS budget
         FROM df_extract_movies m JOIN df_extract_directors d ON d.id = m.director_id
        GROUP BY d.name ORDER BY budget DESC, director LIMIT 3`,
      { 'extract-movies': 'extract-movies', 'extract-directors': 'extract-directors' },
    );
    expect(result).toEqual({ rowsProcessed: 3 });
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'by-director')).toBe(
      'director,movies,budget\nJosé María Peña,2,58000000.00\nBjörn Ångström,2,19000000.00\n김서연 (Seo-yeon Kim),1,9500000.00\n',
    );
  });

  it('reads its single input as input_df', async () => {
    const result = await transform(
      'verified',
      'SELECT id, reviewed_at FROM input_df WHERE is_verified ORDER BY id LIMIT 2',
      {
        'extract-reviews': 'extract-reviews',
      },
    );
    expect(result.rowsProcessed).toBe(2);
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'verified')).toBe(
      'id,reviewed_at\n1,2021-01-01 10:00:00\n3,2021-02-14 20:00:00.999\n',
    );
  });

  it('fails with sql_error naming the step for a statement that is not a query', async () => {
    const error = await transform('drop-it', 'DELETE FROM "extract-movies"', {
      'extract-movies': 'extract-movies',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).code).toBe('sql_error');
    expect((error as OsirisError).message).toContain('drop-it');
    expect((await h.dataPlane.describe('extract-movies')).rows).toBe(16);
  });
  it('a query of comments only says it holds no statement (was "Error in native callback")', async () => {
    for (const query of ['-- nothing here', '/* draft */ ;']) {
      const error = await transform('empty', query, { 'extract-movies': 'extract-movies' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OsirisError);
      expect((error as OsirisError).code).toBe('sql_error');
      expect((error as OsirisError).message).toBe(
        'empty: query holds no statement (only comments or `;`); expected one SELECT',
      );
    }
  });
  it('refuses output names DuckDB would rename silently (a, a_1), compared without case', async () => {
    const inputs = { 'extract-movies': 'extract-movies' };
    const twice = await transform('dup', 'SELECT 1 AS a, 2 AS a', inputs).catch((e: unknown) => e);
    expect(twice).toMatchObject({
      code: 'sql_error',
      message: "dup: query returns column 'a' twice; give each output column a distinct alias",
    });
    const cased = await transform('dup-case', 'SELECT 1 AS a, 2 AS "A"', inputs).catch((e: unknown) => e);
    expect((cased as OsirisError).message).toBe(
      "dup-case: query returns columns 'a' and 'A' (names are compared without case); give each output column a distinct alias",
    );
  });
});
