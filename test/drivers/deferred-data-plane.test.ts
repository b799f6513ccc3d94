// The deferred data plane opens DuckDB only when a step needs it: handed-over canonical CSV outputs wait
// outside it (in the one registry of kept files), a CSV export of one needs no DuckDB, and the first
// query adopts them. Real DuckDB, real files.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCanonicalFileRegistry } from '../../src/runtime/data-plane/canonical-file-registry.js';
import { createDeferredDataPlane } from '../../src/runtime/data-plane/index.js';
import { createDuckDbDataPlane } from '../../src/runtime/data-plane/duckdb-data-plane.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const HEADER = 'id,name\n';
const ROWS = '1,a\n2,"b,c"\n3,\n';
const COLUMNS = [
  { name: 'id', type: 'INTEGER' },
  { name: 'name', type: 'VARCHAR' },
];

async function setUp() {
  const workDir = mkdtempSync(join(tmpdir(), 'osiris-deferred-'));
  roots.push(workDir);
  let opened = 0;
  const kept = createCanonicalFileRegistry();
  const plane = await createDeferredDataPlane(
    { workDir, memoryLimit: '64MB', threads: 1, canonicalFiles: kept },
    async (options) => {
      opened++;
      return createDuckDbDataPlane(options);
    },
  );
  /** Hand `x` over as a canonical stream, as a database extractor does. */
  const handOver = () =>
    plane.createFromCsvStream(
      'x',
      COLUMNS,
      async (sink) => {
        sink.end(ROWS);
        return 3;
      },
      { header: HEADER },
    );
  return { workDir, plane, kept, handOver, opens: () => opened };
}

async function collect(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('deferred data plane', () => {
  it('an interrupt (Ctrl-C, timeout) while DuckDB opens stops the statement the open was for', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'osiris-deferred-'));
    roots.push(workDir);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const plane = await createDeferredDataPlane({ workDir, memoryLimit: '64MB', threads: 1 }, async (o) => {
      await gate;
      return createDuckDbDataPlane(o);
    });
    // ten billion rows: minutes of work if the statement started after the interrupt
    const query = plane.createFromQuery('slow', 'SELECT sum(i) AS s FROM range(10000000000) t(i)', {});
    plane.interrupt();
    release();
    await expect(query).rejects.toMatchObject({ code: 'interrupted' });
    await plane.close();
  });

  it('hands a canonical CSV output to a CSV export and a byte stream without opening DuckDB', async () => {
    const t = await setUp();
    const { table, rowsProduced } = await t.handOver();
    expect(table).toEqual({ name: 'x', columns: COLUMNS, rows: 3 });
    expect(rowsProduced).toBe(3);
    expect(await t.plane.describe('x')).toEqual(table);
    const kept = t.kept.get('x')?.path as string;
    expect(readFileSync(kept, 'utf8')).toBe(HEADER + ROWS);
    expect(await t.plane.canExport('x', 'csv')).toBe(true);
    const out = join(t.workDir, 'out.csv');
    const target = { format: 'csv', path: out, delimiter: ',', header: true, quote: '"' } as const;
    expect(await t.plane.export('x', target)).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(HEADER + ROWS);
    expect(await collect(t.plane.exportCsvStream('x'))).toBe(ROWS);
    expect(t.opens()).toBe(0);
    expect(existsSync(join(t.workDir, 'data-plane.duckdb'))).toBe(false);
    await t.plane.close();
    expect(existsSync(kept)).toBe(false);
  });

  it('opens DuckDB once, at the first query, and adopts the waiting outputs', async () => {
    const t = await setUp();
    await t.handOver();
    const [summed] = await Promise.all([
      t.plane.createFromQuery('y', 'SELECT sum(id) AS s, count(name) AS n FROM input_df', { input_df: 'x' }),
      t.plane.describe('x'),
    ]);
    expect(summed.rows).toBe(1);
    const rows: (string | null)[][] = [];
    for await (const chunk of t.plane.readText('y')) rows.push(...chunk);
    expect(rows).toEqual([['6', '2']]);
    expect(t.opens()).toBe(1);
    // the query parsed `x` into a table: the registry no longer keeps its file
    expect(t.kept.get('x')).toBeUndefined();
    await t.plane.close();
  });

  it('keeps an output handed over after DuckDB opened in the same registry, and exports it as bytes', async () => {
    const t = await setUp();
    await t.plane.createFromQuery('one', 'SELECT 1 AS v', {});
    await t.handOver();
    expect(t.kept.get('x')).toBeDefined();
    const out = join(t.workDir, 'rows.csv');
    const target = { format: 'csv', path: out, delimiter: ',', header: false, quote: '"' } as const;
    expect(await t.plane.export('x', target)).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe(ROWS);
    // a query that names the step without declaring it as an input reads the kept file through a view
    await t.plane.createFromQuery('z', 'SELECT count(*) AS n FROM x', {});
    const rows: (string | null)[][] = [];
    for await (const chunk of t.plane.readText('z')) rows.push(...chunk);
    expect(rows).toEqual([['3']]);
    expect(t.opens()).toBe(1);
    await t.plane.close();
  });

  it('exports a kept output as Parquet through DuckDB, typed by the columns it was handed over with', async () => {
    const t = await setUp();
    await t.handOver();
    const path = join(t.workDir, 'x.parquet');
    expect(await t.plane.export('x', { format: 'parquet', path, compression: 'snappy' })).toBe(3);
    expect(t.opens()).toBe(1);
    await t.plane.createFromQuery(
      'back',
      `SELECT typeof(id) AS t, sum(id) AS s, count(name) AS n FROM read_parquet('${path}') GROUP BY ALL`,
      {},
    );
    const rows: (string | null)[][] = [];
    for await (const chunk of t.plane.readText('back')) rows.push(...chunk);
    expect(rows).toEqual([['INTEGER', '6', '2']]);
    await t.plane.close();
  });
});
