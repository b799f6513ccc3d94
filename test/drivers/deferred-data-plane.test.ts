// The deferred data plane opens DuckDB only when a step needs it: handed-over canonical CSV outputs wait
// outside it, a CSV copy of one needs no DuckDB, and the first query adopts them. Real DuckDB, real files.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeferredDataPlane } from '../../src/runtime/deferred-data-plane.js';
import { createDuckDbDataPlane } from '../../src/runtime/duckdb-data-plane.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function setUp() {
  const workDir = mkdtempSync(join(tmpdir(), 'osiris-deferred-'));
  roots.push(workDir);
  let opened = 0;
  const plane = await createDeferredDataPlane(
    { workDir, memoryLimit: '64MB', threads: 1 },
    async (options) => {
      opened++;
      return createDuckDbDataPlane(options);
    },
  );
  const header = 'id,name\n';
  const path = join(workDir, 'handed.csv');
  writeFileSync(path, `${header}1,a\n2,"b,c"\n3,\n`);
  const columns = [
    { name: 'id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' },
  ];
  return { workDir, plane, path, columns, headerBytes: header.length, opens: () => opened };
}

describe('deferred data plane', () => {
  it('hands a canonical CSV output to a CSV copy without opening DuckDB', async () => {
    const t = await setUp();
    const info = await t.plane.createFromCanonicalCsv(
      'x',
      t.columns,
      { path: t.path, headerBytes: t.headerBytes },
      3,
    );
    expect(info).toEqual({ name: 'x', columns: t.columns, rows: 3 });
    expect(await t.plane.describe('x')).toEqual(info);
    expect(t.plane.canonicalCsvFile('x')).toEqual({ path: t.path, headerBytes: t.headerBytes });
    const out = join(t.workDir, 'out.csv');
    expect(await t.plane.copyToCsv('x', out, { delimiter: ',', header: true, quote: '"' })).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(t.path, 'utf8'));
    expect(t.opens()).toBe(0);
    expect(existsSync(join(t.workDir, 'data-plane.duckdb'))).toBe(false);
    await t.plane.close();
    expect(existsSync(t.path)).toBe(false);
  });

  it('opens DuckDB once, at the first query, and adopts the waiting outputs', async () => {
    const t = await setUp();
    await t.plane.createFromCanonicalCsv('x', t.columns, { path: t.path, headerBytes: t.headerBytes }, 3);
    const [summed] = await Promise.all([
      t.plane.createFromQuery('y', 'SELECT sum(id) AS s, count(name) AS n FROM input_df', { input_df: 'x' }),
      t.plane.describe('x'),
    ]);
    expect(summed.rows).toBe(1);
    const rows: (string | null)[][] = [];
    for await (const chunk of t.plane.readText('y')) rows.push(...chunk);
    expect(rows).toEqual([['6', '2']]);
    expect(t.opens()).toBe(1);
    await t.plane.close();
  });
});
