// The DuckDB data plane with real DuckDB and real files: canonical text forms, names, SQL checks, loading.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import type { ColumnInfo } from '../../src/core/index.js';
import { aliasOf } from '../../src/runtime/data-plane/index.js';
import { createDuckDbDataPlane } from '../../src/runtime/data-plane/duckdb-data-plane.js';
import { parseCanonicalCsv } from './contract/canonical-csv.js';
import { readTableAsCanonicalCsv } from './contract/driver-contract.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';
import { STANDARD_CSV } from './contract/standard-csv.js';

let h: DriverHarness;
beforeAll(async () => {
  h = await createDriverHarness();
});
afterAll(async () => {
  await h.dispose();
});

async function readAll(stepId: string, chunkRows?: number): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for await (const batch of h.dataPlane.readText(stepId, { chunkRows })) rows.push(...batch);
  return rows;
}

async function rowsOf(sql: string, stepId = 'q'): Promise<(string | null)[][]> {
  await h.dataPlane.createFromQuery(stepId, sql, {});
  return readAll(stepId);
}

async function expectOsirisError(
  promise: Promise<unknown>,
  code: string,
  ...fragments: string[]
): Promise<OsirisError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OsirisError);
  const osiris = error as OsirisError;
  expect(osiris.code).toBe(code);
  for (const fragment of fragments) expect(osiris.message).toContain(fragment);
  return osiris;
}

describe('canonical text forms (readText)', () => {
  it('renders NULL as null and keeps the empty string', async () => {
    expect(await rowsOf(`SELECT * FROM (VALUES (NULL::VARCHAR, ''), ('', NULL)) t(a, b)`)).toEqual([
      [null, ''],
      ['', null],
    ]);
  });

  it('renders booleans, decimals with their scale, big integers and dates exactly', async () => {
    const rows =
      await rowsOf(`SELECT true AS t, false AS f, 10.50::DECIMAL(12,2) AS d, (-0.5)::DECIMAL(12,2) AS n,
      9007199254740993::BIGINT AS big, 170141183460469231731687303715884105727::HUGEINT AS huge,
      DATE '2021-02-03' AS day, 0.00::DECIMAL(3,2) AS zero`);
    expect(rows).toEqual([
      [
        'true',
        'false',
        '10.50',
        '-0.50',
        '9007199254740993',
        '170141183460469231731687303715884105727',
        '2021-02-03',
        '0.00',
      ],
    ]);
  });

  it('renders timestamps with a fraction only when it is non-zero, trailing zeros trimmed', async () => {
    const rows =
      await rowsOf(`SELECT TIMESTAMP '2021-01-01 10:00:00' AS a, TIMESTAMP '2021-01-01 10:00:00.120' AS b,
      TIMESTAMP '2021-01-01 10:00:00.000001' AS c, TIMESTAMP_MS '2021-07-07 07:07:07.700' AS d,
      TIMESTAMPTZ '2021-01-01 10:00:00.5+02' AS e`);
    expect(rows).toEqual([
      [
        '2021-01-01 10:00:00',
        '2021-01-01 10:00:00.12',
        '2021-01-01 10:00:00.000001',
        '2021-07-07 07:07:07.7',
        '2021-01-01 08:00:00.5+00',
      ],
    ]);
  });

  it('renders JSON as its text and nested values as JSON', async () => {
    const rows = await rowsOf(
      `SELECT '{"b": [1, 2], "a": "x"}'::JSON AS j, [1, 2, NULL] AS l, {'k': 'v', 'n': 1.5::DOUBLE} AS s`,
    );
    expect(rows).toEqual([['{"b": [1, 2], "a": "x"}', '[1,2,null]', '{"k":"v","n":1.5}']]);
  });

  it('renders every DOUBLE as the shortest text that reads back to it (ECMAScript form)', async () => {
    const values: number[] = [
      54,
      0.1,
      5.24620683863759e-6,
      1e21,
      1e20,
      123456789012345680,
      1 / 3,
      1e-7,
      1e-6,
      0.0001,
      1e16,
      -0.5,
      5e-324,
      1.7976931348623157e308,
      2 ** 53 + 2,
      -0,
    ];
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let i = 0; i < 3000; i++) {
      words[0] = Math.floor(next() * 2 ** 32);
      words[1] = Math.floor(next() * 2 ** 32);
      if (Number.isFinite(bits[0])) values.push(bits[0] as number);
      values.push((next() - 0.5) * 10 ** Math.floor(next() * 50 - 25));
    }
    await h.dataPlane.createFromRows(
      'doubles',
      [{ name: 'v', type: 'DOUBLE' }],
      (async function* () {
        yield values.map((v) => [Object.is(v, -0) ? '-0' : String(v)]);
      })(),
    );
    const texts = (await readAll('doubles')).map((r) => r[0]);
    expect(texts).toEqual(values.map((v) => String(v)));
    expect(
      await rowsOf(`SELECT 'NaN'::DOUBLE, 'Infinity'::DOUBLE, '-Infinity'::DOUBLE, 2.5::FLOAT, 0.1::FLOAT`),
    ).toEqual([['NaN', 'Infinity', '-Infinity', '2.5', '0.1']]);
  });

  it('keeps text with quotes, newlines, CR LF, tabs, backslashes, control characters and any script', async () => {
    const texts = [
      'say "hi", then',
      'a\nb',
      'windows\r\nline',
      'tab\there',
      'back\\slash \\N',
      '\u001c\u001d\u001e\u001f',
      '\u001e',
      '🎬🍿 emoji',
      '東京 CJK',
      'مرحبا Arabic',
      'e\u0301 combining',
      '#hash',
      ' padded ',
    ];
    await h.dataPlane.createFromRows(
      'texts',
      [{ name: 't', type: 'VARCHAR' }],
      (async function* () {
        yield texts.map((t) => [t]);
      })(),
    );
    expect((await readAll('texts')).map((r) => r[0])).toEqual(texts);
  });

  it('streams in bounded chunks of the requested size, in insertion order', async () => {
    await h.dataPlane.createFromQuery('range', 'SELECT range AS i FROM range(5000)', {});
    const sizes: number[] = [];
    const firsts: (string | null)[] = [];
    for await (const batch of h.dataPlane.readText('range', { chunkRows: 1000 })) {
      sizes.push(batch.length);
      firsts.push(batch[0]?.[0] ?? null);
    }
    expect(sizes).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(firsts).toEqual(['0', '1000', '2000', '3000', '4000']);
  });

  it('readText from an offset and of named columns only, in the order named (the last row of a step)', async () => {
    await h.dataPlane.createFromQuery(
      'wide',
      "SELECT range AS i, range * 2 AS j, 'x' || range AS s FROM range(5000)",
      {},
    );
    const read = async (options: { offset?: number; columns?: string[] }) => {
      const rows: (string | null)[][] = [];
      for await (const batch of h.dataPlane.readText('wide', { chunkRows: 2, ...options }))
        rows.push(...batch);
      return rows;
    };
    expect(await read({ offset: 4999, columns: ['s', 'i'] })).toEqual([['x4999', '4999']]);
    expect(await read({ offset: 4998 })).toEqual([
      ['4998', '9996', 'x4998'],
      ['4999', '9998', 'x4999'],
    ]);
    await expect(read({ columns: ['nope'] })).rejects.toThrow("no column 'nope'");
  });

  it('export to CSV writes exactly what readText renders', async () => {
    await h.dataPlane.createFromQuery(
      'mixed',
      `SELECT * FROM (VALUES (1, 'a,b', 10.50::DECIMAL(12,2), NULL::DOUBLE, TIMESTAMP '2021-01-01 10:00:00.5', ''),
        (2, E'x\\ny', NULL, 54.0, TIMESTAMP '2021-01-01 10:00:00', NULL), (3, '#c "q"', 0.01, 1e-7, NULL, ' ')) t(id, s, d, f, ts, e)`,
      {},
    );
    const path = join(h.workDir, 'copy.csv');
    const target = { format: 'csv', path, delimiter: ',', header: true, quote: '"' } as const;
    expect(await h.dataPlane.export('mixed', target)).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(await readTableAsCanonicalCsv(h.dataPlane, 'mixed'));
    expect(parseCanonicalCsv(readFileSync(path, 'utf8'))[2]).toEqual([
      '2',
      'x\ny',
      null,
      '54',
      '2021-01-01 10:00:00',
      null,
    ]);
  });
});

describe('createFromQuery', () => {
  it('binds inputs by step id, df_ alias, input_df and given names', async () => {
    await h.dataPlane.createFromQuery('extract-a', `SELECT * FROM (VALUES (1, 'x'), (2, 'y')) t(id, v)`, {});
    await h.dataPlane.createFromQuery('extract-b', `SELECT * FROM (VALUES (1, 10), (2, 20)) t(id, n)`, {});
    expect(aliasOf('extract-a')).toBe('df_extract_a');
    const one = await h.dataPlane.createFromQuery('t1', 'SELECT count(*) AS c FROM input_df', {
      'extract-a': 'extract-a',
    });
    expect(one.rows).toBe(1);
    expect(await readAll('t1')).toEqual([['2']]);
    const joined = await h.dataPlane.createFromQuery(
      'join-ab',
      `SELECT a.id, a.v, b.n, m.n AS again FROM "extract-a" a JOIN df_extract_b b USING (id) JOIN mine m USING (id) ORDER BY a.id`,
      { 'extract-a': 'extract-a', 'extract-b': 'extract-b', mine: 'extract-b' },
    );
    expect(joined.columns).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 'v', type: 'VARCHAR' },
      { name: 'n', type: 'INTEGER' },
      { name: 'again', type: 'INTEGER' },
    ]);
    expect(await readAll('join-ab')).toEqual([
      ['1', 'x', '10', '10'],
      ['2', 'y', '20', '20'],
    ]);
    // Temp views live only while the statement runs; with two inputs there is no input_df.
    await expectOsirisError(
      h.dataPlane.createFromQuery('t2', 'SELECT * FROM mine', {}),
      'sql_error',
      't2',
      'mine',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('t3', 'SELECT * FROM input_df', { a: 'extract-a', b: 'extract-b' }),
      'sql_error',
      'input_df',
    );
  });

  it('accepts WITH, VALUES, FROM-first queries and a trailing semicolon or comment', async () => {
    expect(
      (await h.dataPlane.createFromQuery('w', 'WITH x AS (SELECT 1 AS a) SELECT a FROM x;', {})).rows,
    ).toBe(1);
    expect((await h.dataPlane.createFromQuery('v', 'VALUES (1), (2) -- two rows', {})).rows).toBe(2);
    expect((await h.dataPlane.createFromQuery('f', 'FROM range(3)', {})).rows).toBe(3);
  });

  it('rejects anything but one query, with the step id and a clear message', async () => {
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-1', 'SELECT 1; SELECT 2', {}),
      'sql_error',
      'bad-1',
      'exactly one SELECT',
      'found 2',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-2', 'DROP TABLE "extract-a"', {}),
      'sql_error',
      'SELECT',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-3', 'CREATE TABLE x AS SELECT 1', {}),
      'sql_error',
      'SELECT',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-4', `COPY "extract-a" TO '/tmp/x.csv'`, {}),
      'sql_error',
      'SELECT',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-5', 'SELEC 1', {}),
      'sql_error',
      'bad-5',
      'syntax error',
    );
    await expectOsirisError(
      h.dataPlane.createFromQuery('bad-6', 'SELECT nope FROM "extract-a"', {}),
      'sql_error',
      'bad-6',
      'nope',
    );
    expect((await h.dataPlane.describe('extract-a')).rows).toBe(2);
  });

  it('binds df_ aliases of the step inputs for its one statement, and keeps none in the catalog', async () => {
    await h.dataPlane.createFromQuery('x', `SELECT 'from x' AS v`, {});
    await h.dataPlane.createFromQuery('via-alias', 'SELECT v FROM df_x', { x: 'x' });
    expect(await readAll('via-alias')).toEqual([['from x']]);
    // a step that does not take x as an input does not see its alias (no view per step is kept)
    await expectOsirisError(
      h.dataPlane.createFromQuery('no-input', 'SELECT v FROM df_x', {}),
      'sql_error',
      'df_x',
    );
    expect(await rowsOf(`SELECT count(*)::VARCHAR FROM duckdb_views() WHERE NOT internal`, 'views')).toEqual([
      ['0'],
    ]);
  });

  it('fails with input_error when an input has no table', async () => {
    await expectOsirisError(
      h.dataPlane.createFromQuery('t4', 'SELECT 1', { x: 'never-ran' }),
      'input_error',
      'never-ran',
      '"x"',
    );
    await expectOsirisError(h.dataPlane.describe('never-ran'), 'input_error', 'never-ran');
  });
});

describe('createFromRows', () => {
  const columns: ColumnInfo[] = [
    { name: 'id', type: 'BIGINT' },
    { name: 'price', type: 'DECIMAL(12,2)' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'at', type: 'TIMESTAMP' },
    { name: 'doc', type: 'JSON' },
  ];

  it('casts text rows to the declared types, in bounded batches', async () => {
    const total = 250_000;
    async function* generate(): AsyncGenerator<(string | null)[][]> {
      for (let start = 0; start < total; start += 5000) {
        yield Array.from({ length: 5000 }, (_, k) => {
          const i = start + k;
          return [
            String(2n ** 53n + BigInt(i)),
            i % 7 === 0 ? null : `${i}.50`,
            i % 2 === 0 ? 't' : 'false',
            '2021-01-01 10:00:00.250',
            '{"i": 1}',
          ];
        });
      }
    }
    const info = await h.dataPlane.createFromRows('rows', columns, generate());
    expect(info.rows).toBe(total);
    expect(info.columns).toEqual(columns);
    const first = (await readAll('rows', 3)).slice(0, 3);
    expect(first).toEqual([
      ['9007199254740992', null, 'true', '2021-01-01 10:00:00.25', '{"i": 1}'],
      ['9007199254740993', '1.50', 'false', '2021-01-01 10:00:00.25', '{"i": 1}'],
      ['9007199254740994', '2.50', 'true', '2021-01-01 10:00:00.25', '{"i": 1}'],
    ]);
  });

  it('refuses a value that does not fit its type and leaves no table', async () => {
    const rows = (async function* () {
      yield [['1', '1.00', 'true', '2021-01-01 00:00:00', 'not json']];
    })();
    await expectOsirisError(
      h.dataPlane.createFromRows('bad-rows', columns, rows),
      'driver_error',
      'bad-rows',
    );
    await expectOsirisError(h.dataPlane.describe('bad-rows'), 'input_error');
  });
});

describe('createFromCsv', () => {
  it('detects types, keeping DECIMAL exact when every value has the same scale', async () => {
    const path = join(h.projectDir, 'detect.csv');
    writeFileSync(
      path,
      'id,price,ratio,big,day,flag,name\n1,10.50,1.5,12345678901234567890123,2021-01-02,true,x\n2,0.05,2.25,1,2021-01-03,false,""\n3,,1e-7,,,,\n',
    );
    const info = await h.dataPlane.createFromCsv('detect', { ...STANDARD_CSV, path });
    expect(info.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(18,2)' },
      { name: 'ratio', type: 'DOUBLE' },
      { name: 'big', type: 'DECIMAL(38,0)' },
      { name: 'day', type: 'DATE' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'name', type: 'VARCHAR' },
    ]);
    expect(await readTableAsCanonicalCsv(h.dataPlane, 'detect')).toBe(readFileSync(path, 'utf8'));
  });

  it('reads explicit types, NULL vs "", a custom null string and other delimiters', async () => {
    const path = join(h.projectDir, 'explicit.tsv');
    writeFileSync(path, 'a\tb\tc\n1\t""\tNA\n2\tNA\t"NA"\n3\t\tx\n');
    await h.dataPlane.createFromCsv('explicit', {
      ...STANDARD_CSV,
      path,
      delimiter: '\t',
      nullString: 'NA',
      columns: [
        { name: 'a', type: 'SMALLINT' },
        { name: 'b', type: 'VARCHAR' },
        { name: 'c', type: 'VARCHAR' },
      ],
    });
    expect(await readAll('explicit')).toEqual([
      ['1', '', null],
      ['2', null, 'NA'],
      ['3', '', 'x'],
    ]);
  });

  it('reads UTF-16 (LE, BE, with or without BOM) and latin-1', async () => {
    const text = 'id,name\n1,Zoë 🎬 東京\n2,""\n3,\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const files: [string, Buffer, string][] = [
      ['le.csv', le, 'utf-16'],
      ['le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'utf-16'],
      ['be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'utf-16'],
    ];
    for (const [name, bytes, encoding] of files) {
      const path = join(h.projectDir, name);
      writeFileSync(path, bytes);
      await h.dataPlane.createFromCsv('enc', {
        ...STANDARD_CSV,
        path,
        encoding,
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'name', type: 'VARCHAR' },
        ],
      });
      expect(await readAll('enc')).toEqual([
        ['1', 'Zoë 🎬 東京'],
        ['2', ''],
        ['3', null],
      ]);
    }
    expect(readdirTranscoded()).toEqual([]);
    const latin = join(h.projectDir, 'latin.csv');
    writeFileSync(latin, Buffer.from('id,name\n1,Agnès Lefèvre\n', 'latin1'));
    await h.dataPlane.createFromCsv('latin', { ...STANDARD_CSV, path: latin, encoding: 'latin-1' });
    expect(await readAll('latin')).toEqual([['1', 'Agnès Lefèvre']]);
  });

  it('fails with io_error for a broken UTF-16 file and leaves no converted copy behind', async () => {
    const path = join(h.projectDir, 'odd.csv');
    writeFileSync(path, Buffer.concat([Buffer.from('a\n1\n', 'utf16le'), Buffer.from([0x41])]));
    await expectOsirisError(
      h.dataPlane.createFromCsv('odd', { ...STANDARD_CSV, path, encoding: 'utf-16' }),
      'io_error',
      'odd.csv',
      'UTF-16',
    );
    expect(readdirTranscoded()).toEqual([]);
  });

  it('fails with io_error naming the file when it is missing or its content does not fit', async () => {
    await expectOsirisError(
      h.dataPlane.createFromCsv('missing', { ...STANDARD_CSV, path: join(h.projectDir, 'nope.csv') }),
      'io_error',
      'nope.csv',
      'missing',
    );
    const path = join(h.projectDir, 'badint.csv');
    writeFileSync(path, 'a\n1\nabc\n');
    await expectOsirisError(
      h.dataPlane.createFromCsv('badint', {
        ...STANDARD_CSV,
        path,
        columns: [{ name: 'a', type: 'INTEGER' }],
      }),
      'io_error',
      'badint.csv',
      'abc',
    );
  });
});

describe('lifecycle', () => {
  it('keeps its database file under workDir, spills there, and removes it on close', async () => {
    const other = await createDriverHarness('64MB');
    try {
      const plane = await createDuckDbDataPlane({
        workDir: join(other.workDir, 'own'),
        memoryLimit: '64MB',
        threads: 1,
      });
      expect(existsSync(join(other.workDir, 'own', 'data-plane.duckdb'))).toBe(true);
      // ~80 MB of text under a 64 MB limit: DuckDB must spill or write to its file instead of failing.
      const info = await plane.createFromQuery(
        'big',
        `SELECT range AS i, repeat('x', 80) || range::VARCHAR AS s FROM range(1000000)`,
        {},
      );
      expect(info.rows).toBe(1_000_000);
      let n = 0;
      for await (const batch of plane.readText('big')) n += batch.length;
      expect(n).toBe(1_000_000);
      await plane.close();
      expect(existsSync(join(other.workDir, 'own', 'data-plane.duckdb'))).toBe(false);
    } finally {
      await other.dispose();
    }
  });
});

function readdirTranscoded(): string[] {
  return readdirSync(h.workDir).filter((name) => name.startsWith('transcoded-'));
}

describe('interrupt', () => {
  it('stops the byte scan of a large CSV file too, not only a running DuckDB statement', async () => {
    const { mkdtempSync, openSync, writeSync, closeSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'osiris-interrupt-scan-'));
    try {
      // ~400 MB: the scan alone takes about a second here, so an interrupt after 50 ms lands inside it
      const path = join(dir, 'big.csv');
      const fd = openSync(path, 'w');
      writeSync(fd, 'id,name\n');
      const block = Buffer.from('123456,"some quoted, text"\n'.repeat(40_000));
      for (let i = 0; i < 400; i++) writeSync(fd, block);
      closeSync(fd);
      const plane = await createDuckDbDataPlane({
        workDir: join(dir, 'work'),
        memoryLimit: '256MB',
        threads: 1,
      });
      try {
        const loading = plane.createFromCsv('big', { ...STANDARD_CSV, path });
        setTimeout(() => plane.interrupt(), 50);
        const error = await expectOsirisError(loading, 'interrupted', 'big.csv was interrupted');
        expect(error.code).toBe('interrupted');
        // and nothing starts after it
        await expectOsirisError(plane.createFromQuery('later', 'SELECT 1 AS x', {}), 'interrupted');
      } finally {
        await plane.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
