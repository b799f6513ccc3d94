// `osiris discover FILE.csv` reads a file exactly as filesystem.csv_extractor does: the same dialect, the
// same column types and row count as a run of the extractor, the same refusals (file:line) for
// malformed files, masked samples; and `osiris discover --help` matches docs/cli.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverCsv } from '../../src/api/discover-csv.js';
import { csvExtractorModule } from '../../src/drivers/csv/filesystem-csv-extractor.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import { REPO_ROOT, createProject, runOsiris } from '../support/run-osiris.js';

let h: DriverHarness;
let dir: string;
beforeAll(async () => {
  h = await createDriverHarness();
  dir = createProject({});
});
afterAll(async () => {
  await h.dispose();
});

let steps = 0;
/** A run of the extractor itself on this file: its table's columns and rows, or its error message. */
async function runExtractor(
  path: string,
  config: Record<string, unknown> = {},
): Promise<{ columns?: { name: string; type: string }[]; rows?: number; error?: string; code?: string }> {
  const stepId = `extract_${++steps}`;
  const { ctx } = h.createContext(stepId);
  try {
    const result = await csvExtractorModule
      .create()
      .run({ config: { path, ...config }, connection: undefined, inputs: {}, ctx });
    const table = await h.dataPlane.describe(stepId);
    return { columns: table.columns, rows: result.rowsRead ?? -1 };
  } catch (error) {
    const e = error as { message: string; code: string };
    return { error: e.message.replace(`${stepId}: `, ''), code: e.code };
  }
}

function writeCsv(name: string, bytes: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const GOOD = [
  'id,name,amount,seen_at,active,api_key,note',
  '1,Ana,2.50,2024-01-02 03:04:05,true,sk-live-aaaa,"first, quoted"',
  '2,Bo,10.25,2024-02-03 04:05:06,false,,',
  '3,Cy,-1.00,2024-03-04 05:06:07,true,sk-live-cccc,plain',
].join('\n');

describe('discover FILE.csv: as the extractor reads it', () => {
  it('a good file: default dialect, the types and row count of an extractor run, a masked sample', async () => {
    const path = writeCsv('good.csv', `${GOOD}\n`);
    const out = await runOsiris(['discover', 'good.csv', '--json', '--sample', '2'], { cwd: dir });
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    const run = await runExtractor(path);
    expect(result).toEqual({
      ok: true,
      file: path,
      dialect: { delimiter: ',', quote: '"', escape: '"', header: true, encoding: 'utf-8', null_string: '' },
      rows: run.rows,
      columns: run.columns,
      sample: [
        ['1', 'Ana', '2.50', '2024-01-02 03:04:05', 'true', '***MASKED***', 'first, quoted'],
        ['2', 'Bo', '10.25', '2024-02-03 04:05:06', 'false', null, null],
      ],
    });
    expect(run.rows).toBe(3);
    expect(result.columns.map((c: { type: string }) => c.type)).toEqual([
      'BIGINT',
      'VARCHAR',
      'DECIMAL(18,2)',
      'TIMESTAMP',
      'BOOLEAN',
      'VARCHAR',
      'VARCHAR',
    ]);
    const plain = await runOsiris(['discover', 'good.csv'], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`${path}  3 rows\n  delimiter ","  quote "\\""`);
    expect(plain.stdout).toMatch(/\n {2}amount +DECIMAL\(18,2\)\n/);
    expect(plain.stdout).toMatch(/\n {4}3 +Cy +-1\.00 .*\*\*\*MASKED\*\*\* +plain\n/);
    expect(plain.stdout).not.toContain('sk-live');
  });

  it('dialect flags are the extractor config keys: ; delimited latin-1 without header, NULL string', async () => {
    const path = writeCsv('latin.csv', Buffer.from('7;José;NA\n8;Ångström;4.5\n', 'latin1'));
    const config = { delimiter: ';', encoding: 'latin-1', header: false, null_string: 'NA' };
    const out = await runOsiris(
      [
        'discover',
        path,
        '--delimiter',
        ';',
        '--encoding',
        'latin-1',
        '--no-header',
        '--null-string',
        'NA',
        '--json',
      ],
      { cwd: REPO_ROOT },
    );
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    const run = await runExtractor(path, config);
    expect(result.dialect).toEqual({ ...config, quote: '"', escape: '"' });
    expect(result.columns).toEqual(run.columns);
    expect(result.rows).toBe(2);
    expect(result.sample).toEqual([
      ['7', 'José', null],
      ['8', 'Ångström', '4.5'],
    ]);
  });

  it('a file read as one column whose header holds ; says so, and reads as the extractor would', async () => {
    const path = writeCsv('semicolons.csv', 'id;name\n1;Ana\n');
    const result = await discoverCsv({ file: path, cwd: dir });
    expect(result.columns).toEqual((await runExtractor(path)).columns);
    expect(result.columns).toEqual([{ name: 'id;name', type: 'VARCHAR' }]);
    expect(result.hint).toBe(
      `the file reads as one column whose name holds ";": if that is the delimiter, give --delimiter ';' (config.delimiter)`,
    );
    const fixed = await discoverCsv({ file: path, cwd: dir, dialect: { delimiter: ';' } });
    expect(fixed.hint).toBeUndefined();
    expect(fixed.columns.map((c) => c.name)).toEqual(['id', 'name']);
  });

  it('the library answers the same, and --sample 0 reads no rows', async () => {
    writeCsv('lib.csv', `${GOOD}\n`);
    const result = await discoverCsv({ file: 'lib.csv', cwd: dir, sample: 0 });
    expect(result.sample).toEqual([]);
    expect(result.rows).toBe(3);
    expect(result.columns).toHaveLength(7);
  });
});

/** Malformed files (the shapes of test/drivers/csv-malformed-corpus.test.ts) and the line each fails on. */
const MALFORMED: { name: string; bytes: string | Buffer; message: RegExp }[] = [
  {
    name: 'ragged-row.csv',
    bytes: 'id,name,amount\n1,Ana,2.50,extra\n2,Bo,3.00\n',
    message: /ragged-row\.csv:2: 4 fields, expected 3 as the header on line 1/,
  },
  {
    name: 'short-row.csv',
    bytes: 'id,name,amount\n1,Ana,2.50\n2,Bo\n',
    message: /short-row\.csv:3: 2 fields, expected 3/,
  },
  {
    name: 'stray-quote.csv',
    bytes: 'id,height\n1,5\'10"\n',
    message: /stray-quote\.csv:2: a quote \("\\""\) inside unquoted field 2/,
  },
  {
    name: 'unterminated.csv',
    bytes: 'id,note\n1,ok\n2,"never closed\n3,more\n',
    message: /unterminated\.csv:3: the quoted field that opens on this line is never closed/,
  },
  {
    name: 'line-ends.csv',
    bytes: 'id,note\r\n1,a\r\n2,b\n3,c\r\n',
    message: /line-ends\.csv:3: this line ends with LF but the first line ends with CRLF/,
  },
  {
    name: 'nul.csv',
    bytes: Buffer.concat([Buffer.from('id,name\n1,Ana\n2,B'), Buffer.from([0]), Buffer.from('o\n')]),
    message: /nul\.csv:3: a NUL byte/,
  },
  { name: 'empty.csv', bytes: '', message: /empty\.csv: the file is empty; expected a header line/ },
  {
    name: 'duplicate-header.csv',
    bytes: 'id,name,ID\n1,a,2\n',
    message: /duplicate-header\.csv:1: the header names "id", "ID" more than once/,
  },
];

describe('discover FILE.csv: malformed files fail as the extractor fails', () => {
  it.each(MALFORMED.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = writeCsv(c.name, c.bytes);
    const run = await runExtractor(path);
    expect(run.error).toMatch(c.message);
    const out = await runOsiris(['discover', c.name], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`error [${run.code}]: ${run.error}\n`);
    const json = await runOsiris(['discover', c.name, '--json'], { cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'io_error', message: run.error },
      exit_code: 1,
    });
  });
});

describe('discover: bad input and docs', () => {
  it('a bad --sample, a database flag on a file, a CSV flag on a connection, a missing file', async () => {
    writeCsv('ok.csv', 'a\n1\n');
    const cases: [string[], number, RegExp][] = [
      [['ok.csv', '--sample', '-1'], 2, /error \[usage\]: --sample expects a whole number ≥ 0, got '-1'/],
      [['ok.csv', '--sample', 'five'], 2, /error \[usage\]: --sample expects a whole number/],
      [['ok.csv', '--tables', 'a'], 2, /error \[usage\]: --tables: only for a database connection/],
      [['ok.csv', '--refresh'], 2, /error \[usage\]: --refresh: only for a database connection/],
      [['@mysql.x', '--delimiter', ';'], 2, /error \[usage\]: --delimiter: only for a CSV file/],
      [
        ['ok.csv', '--delimiter', ';;'],
        1,
        /error \[config_error\]: config\.delimiter must be one ASCII character/,
      ],
      [['missing.csv'], 1, /error \[io_error\]: cannot read CSV file .*missing\.csv/],
    ];
    for (const [args, code, message] of cases) {
      const out = await runOsiris(['discover', ...args], { cwd: dir });
      expect({ args, code: out.code }).toEqual({ args, code });
      expect(out.stderr).toMatch(message);
    }
  });

  it('docs/cli.md documents `osiris discover` and every option --help lists', async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/cli.md'), 'utf8');
    const help = await runOsiris(['discover', '--help'], { cwd: REPO_ROOT });
    expect(help.code).toBe(0);
    expect(doc).toContain('## osiris discover');
    const options = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1] as string);
    expect(options).toContain('--table-timeout');
    const missing = options.filter((o) => o !== '--help' && !new RegExp(`${o}(?![a-z-])`).test(doc));
    expect(missing).toEqual([]);
  });
});
