// Issue 8 section 1: a corpus of malformed and edge-case CSV files, each with its exact outcome — every
// record loaded, or the step fails with io_error, file:line (physical, 1-based, header included), the
// field counts and the extractor's own config key; DuckDB's option names never reach the user.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { writeChunk } from '../../src/drivers/sql/csv-handoff.js';
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

/** Words of DuckDB's own advice that must never reach an Osiris message. */
const DUCKDB_OPTIONS =
  /strict_mode|sample_size|ignore_errors|null_padding|auto_detect|max_line_size|nullstr|delim=/;

interface Loaded {
  rows: number;
  /** The table read back as canonical CSV (when the test gives it). */
  csv?: string;
  /** Column names and types (when the test gives them). */
  columns?: { name: string; type: string }[];
}

interface Refused {
  code: 'io_error' | 'config_error';
  message: RegExp;
}

interface CorpusCase {
  name: string;
  bytes: string | Buffer;
  config?: Record<string, unknown>;
  expect: Loaded | Refused;
}

const lines = (n: number, row: (i: number) => string): string[] =>
  Array.from({ length: n }, (_, i) => row(i + 1));
const amounts = (n: number): string[] => lines(n, (i) => `${i},name${i},${i}.50`);

/** The repro: 500 rows whose last one holds one extra field (an unquoted comma in a name). */
const lastRowExtra = ['id,name,amount', ...amounts(499), '501,Smith, John,3.50'].join('\n') + '\n';
const middleRowExtra = (() => {
  const rows = amounts(499);
  rows[249] = '250,Smith, John,3.50';
  return ['id,name,amount', ...rows].join('\n') + '\n';
})();

const CORPUS: CorpusCase[] = [
  {
    name: 'ragged last row (repro: loaded 0 rows before)',
    bytes: lastRowExtra,
    expect: {
      code: 'io_error',
      message:
        /ragged-last-row.*\.csv:501: 4 fields, expected 3 as the header on line 1; check config\.delimiter \(","\) and config\.quote/,
    },
  },
  {
    name: 'ragged middle row: extra delimiter inside an unquoted field (repro: sniffer text)',
    bytes: middleRowExtra,
    expect: { code: 'io_error', message: /\.csv:251: 4 fields, expected 3 as the header on line 1/ },
  },
  {
    name: 'ragged first row',
    bytes: 'id,name,amount\n1,Ana,2.50,extra\n2,Bo,3.00\n',
    expect: { code: 'io_error', message: /\.csv:2: 4 fields, expected 3 as the header on line 1/ },
  },
  {
    name: 'short row',
    bytes: 'id,name,amount\n1,Ana,2.50\n2,Bo\n3,Cy,1.00\n',
    expect: { code: 'io_error', message: /\.csv:3: 2 fields, expected 3 as the header on line 1/ },
  },
  {
    name: 'ragged row after a quoted value spanning lines: physical line counted',
    bytes: 'id,note\n1,"two\nlines"\n2,"three\nphysical\nlines"\n3,x,y\n',
    expect: { code: 'io_error', message: /\.csv:7: 3 fields, expected 2 as the header on line 1/ },
  },
  {
    name: 'values starting with # are values, not comments (repro: rows dropped)',
    bytes: 'ticket,summary\n#101,login broken\n#102,"slow, sometimes"\n103,fine\n',
    expect: {
      rows: 3,
      csv: 'ticket,summary\n"#101",login broken\n"#102","slow, sometimes"\n103,fine\n',
      columns: [
        { name: 'ticket', type: 'VARCHAR' },
        { name: 'summary', type: 'VARCHAR' },
      ],
    },
  },
  {
    name: 'stray quote inside an unquoted field',
    bytes: 'id,height\n1,5\'10"\n2,6\'01"\n',
    expect: {
      code: 'io_error',
      message:
        /\.csv:2: a quote \("\\""\) inside unquoted field 2: quote the whole value and double its quotes, or set config\.quote/,
    },
  },
  {
    name: 'quoted field after a space (unquoted start): the quote is stray, not a silent split',
    bytes: 'id,name\n1, "Smith, John"\n',
    expect: { code: 'io_error', message: /\.csv:2: a quote .* inside unquoted field 2/ },
  },
  {
    name: 'text after a closing quote',
    bytes: 'id,name\n1,"Ana"x\n',
    expect: {
      code: 'io_error',
      message: /\.csv:2: text after the closing quote of field 2.*config\.quote and config\.escape/,
    },
  },
  {
    name: 'unterminated quote at end of file',
    bytes: 'id,note\n1,ok\n2,"never closed\n3,more\n',
    expect: {
      code: 'io_error',
      message:
        /\.csv:3: the quoted field that opens on this line is never closed \(the file ends inside it\); check config\.quote and config\.escape/,
    },
  },
  {
    name: 'CRLF line ends, CRLF and a bare CR inside quotes are data',
    bytes: 'id,note\r\n1,"a\r\nb"\r\n2,"c\rd"\r\n3,\r\n',
    expect: { rows: 3, csv: 'id,note\n1,"a\r\nb"\n2,"c\rd"\n3,\n' },
  },
  {
    name: 'LF file whose header holds a quoted CRLF (DuckDB guessed CRLF and loaded 0 rows)',
    bytes: '"a\r\nb",c\n1,2\n3,4\n',
    expect: { rows: 2, csv: '"a\r\nb",c\n1,2\n3,4\n' },
  },
  {
    name: 'CRLF file whose header holds a quoted LF: the reader loads 0 rows, the record count refuses it',
    bytes: '"a\nb",c\r\n1,2\r\n',
    config: {
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'c', type: 'INTEGER' },
      ],
    },
    expect: {
      code: 'io_error',
      message: /\.csv: the file holds 1 records but the reader loaded 0 rows; nothing was kept/,
    },
  },
  {
    name: 'the same with type detection: the sniffer fails, said in Osiris terms',
    bytes: '"a\nb",c\r\n1,2\r\n',
    expect: {
      code: 'io_error',
      message:
        /\.csv: the column types could not be detected \(Invalid Input Error: Error when sniffing file\.\); give the columns and their types with config\.columns/,
    },
  },
  {
    name: 'CRLF/LF mix',
    bytes: 'id,note\r\n1,a\r\n2,b\n3,c\r\n',
    expect: {
      code: 'io_error',
      message: /\.csv:3: this line ends with LF but the first line ends with CRLF/,
    },
  },
  {
    name: 'bare CR outside quotes',
    bytes: 'id,note\n1,a\rb\n',
    expect: { code: 'io_error', message: /\.csv:2: a carriage return \(CR\) outside quotes/ },
  },
  {
    name: 'UTF-8 BOM: stripped, not part of the first column name',
    bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,Zoë\n')]),
    expect: {
      rows: 1,
      csv: 'id,name\n1,Zoë\n',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'name', type: 'VARCHAR' },
      ],
    },
  },
  {
    name: 'NUL byte',
    bytes: Buffer.concat([Buffer.from('id,name\n1,Ana\n2,B'), Buffer.from([0]), Buffer.from('o\n')]),
    expect: { code: 'io_error', message: /\.csv:3: a NUL byte at byte offset 17.*config\.encoding: utf-16/ },
  },
  {
    name: 'latin-1 declared',
    bytes: Buffer.from('id,name\n1,José Müller\n2,Ångström\n', 'latin1'),
    config: { encoding: 'latin-1' },
    expect: { rows: 2, csv: 'id,name\n1,José Müller\n2,Ångström\n' },
  },
  {
    name: 'UTF-8 declared as utf-16 (decoded, it was one line of CJK: zero rows and success)',
    bytes: 'id,name\n1,Ana\n2,Bob\n',
    config: { encoding: 'utf-16' },
    expect: {
      code: 'io_error',
      message: /as UTF-16: it has no byte-order mark and none of the NUL bytes.*encoding: utf-8/,
    },
  },
  {
    name: 'UTF-16 big-endian without a byte-order mark (the NUL bytes give the order)',
    bytes: Buffer.from('id,name\n1,Zoë\n', 'utf16le').swap16(),
    config: { encoding: 'utf-16' },
    expect: { rows: 1, csv: 'id,name\n1,Zoë\n' },
  },
  {
    name: 'numbers with more digits than a DOUBLE keeps stay exact text (were DOUBLE: digits lost)',
    bytes:
      'id,big,mixed,short\n1,1234567890123456789012345678901234567890,0.12345678901234567891,1.5\n2,7,2.5,2.25\n',
    expect: {
      rows: 2,
      csv: 'id,big,mixed,short\n1,1234567890123456789012345678901234567890,0.12345678901234567891,1.5\n2,7,2.5,2.25\n',
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'big', type: 'VARCHAR' },
        { name: 'mixed', type: 'VARCHAR' },
        { name: 'short', type: 'DOUBLE' },
      ],
    },
  },
  {
    name: 'latin-1 bytes undeclared (utf-8 default)',
    bytes: Buffer.from('id,name\n1,Ana\n2,Bo\n3,José\n', 'latin1'),
    expect: {
      code: 'io_error',
      message:
        /\.csv:4: byte 0xE9 at byte offset 24 is not valid UTF-8; set config\.encoding to the file's encoding \(latin-1 or utf-16\)/,
    },
  },
  {
    name: '1 MB field (quoted, with delimiters and newlines) and a 3 MB unquoted field',
    bytes: `id,blob\n1,"${'a,b\n'.repeat(262_144)}"\n2,${'x'.repeat(3 << 20)}\n`,
    expect: { rows: 2 },
  },
  {
    name: 'empty file (0 bytes)',
    bytes: '',
    expect: {
      code: 'io_error',
      message:
        /\.csv: the file is empty; expected a header line with the column names \(config\.header is true\)/,
    },
  },
  {
    name: 'BOM only: empty as well',
    bytes: Buffer.from([0xef, 0xbb, 0xbf]),
    expect: { code: 'io_error', message: /\.csv: the file is empty/ },
  },
  {
    name: 'header only: zero rows',
    bytes: 'id,name\n',
    expect: {
      rows: 0,
      csv: 'id,name\n',
      columns: [
        { name: 'id', type: 'VARCHAR' },
        { name: 'name', type: 'VARCHAR' },
      ],
    },
  },
  {
    name: 'duplicate header names (compared without case, as DuckDB does)',
    bytes: 'id,name,ID,name\n1,a,2,b\n',
    expect: {
      code: 'io_error',
      message:
        /\.csv:1: the header names "id", "name", "ID" more than once \(names are compared without case\); name the columns with config\.columns/,
    },
  },
  {
    name: 'empty header name',
    bytes: 'id,,name\n1,2,3\n',
    expect: {
      code: 'io_error',
      message: /\.csv:1: column 2 of the header has no name; name the columns with config\.columns/,
    },
  },
  {
    name: 'duplicate header names with config.columns: the header is skipped, the config names the columns',
    bytes: 'x,x\n1,2\n',
    config: {
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'INTEGER' },
      ],
    },
    expect: { rows: 1, csv: 'a,b\n1,2\n' },
  },
  {
    name: 'header with more fields than config.columns',
    bytes: 'a,b,c\n1,2,3\n',
    config: {
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'INTEGER' },
      ],
    },
    expect: {
      code: 'io_error',
      message: /\.csv:1: the header has 3 fields but config\.columns lists 2 columns/,
    },
  },
  {
    name: 'no header, a record longer than config.columns',
    bytes: '1,2\n3,4,5\n',
    config: {
      header: false,
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'INTEGER' },
      ],
    },
    expect: { code: 'io_error', message: /\.csv:2: 3 fields, expected 2 as config\.columns lists/ },
  },
  {
    name: 'no header, no columns: the first record sets the count',
    bytes: '1,2\n3\n',
    config: { header: false },
    expect: { code: 'io_error', message: /\.csv:2: 1 fields, expected 2 as the first record/ },
  },
  {
    name: 'no header and no columns, empty file',
    bytes: '',
    config: { header: false },
    expect: { code: 'io_error', message: /\.csv: the file is empty and config\.columns is not given/ },
  },
  {
    name: 'no header with config.columns, empty file: zero rows',
    bytes: '',
    config: { header: false, columns: [{ name: 'a', type: 'INTEGER' }] },
    expect: { rows: 0, csv: 'a\n' },
  },
  {
    name: 'explicit type that a value does not fit: the physical line of the record',
    bytes: 'a,note\n1,"x\ny"\n2,ok\nabc,z\n',
    config: {
      columns: [
        { name: 'a', type: 'INTEGER' },
        { name: 'note', type: 'VARCHAR' },
      ],
    },
    expect: {
      code: 'io_error',
      message:
        /\.csv:5: column "a": could not convert string "abc" to 'INTEGER' \(the type comes from config\.columns\)/,
    },
  },
  {
    name: 'backslash escape: escaped quote and backslash read, any other escape refused',
    bytes: 'id,path\n1,"C:\\\\dir \\"x\\""\n2,"C:\\dir"\n',
    config: { escape: '\\' },
    expect: {
      code: 'io_error',
      message:
        /\.csv:3: the escape character \("\\\\"\) inside quotes must be followed by the quote or itself; check config\.escape/,
    },
  },
  {
    name: 'no quoting (config.quote empty): quotes are data',
    bytes: 'id,text\n1,5\'10"\n2,"a\n',
    config: { quote: '' },
    expect: { rows: 2, csv: 'id,text\n1,"5\'10"""\n2,"""a"\n' },
  },
  {
    name: 'no final line end; blank lines of a multi-column file are not records',
    bytes: 'id,name\n1,a\n\n2,b\n\n3,c',
    expect: { rows: 3, csv: 'id,name\n1,a\n2,b\n3,c\n' },
  },
  {
    name: 'one column: a blank line is a NULL value, "" the empty string',
    bytes: 'name\nAna\n\n""\nBo\n\n',
    expect: { rows: 5, csv: 'name\nAna\n\n""\nBo\n\n' },
  },
  {
    name: 'tab delimiter with a comma in a value; a tab inside an unquoted value is an extra field',
    bytes: 'id\tname\n1\tSmith, John\n2\tA\tB\n',
    config: { delimiter: '\t' },
    expect: {
      code: 'io_error',
      message: /\.csv:3: 3 fields, expected 2 as the header on line 1; check config\.delimiter \("\\t"\)/,
    },
  },
  {
    name: 'a type that changes beyond the sample makes the column VARCHAR, every row kept',
    bytes: ['id,code', ...lines(30_000, (i) => `${i},${i}`), '30001,A-1'].join('\n') + '\n',
    expect: {
      rows: 30_001,
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'code', type: 'VARCHAR' },
      ],
    },
  },
  {
    name: 'a multi-byte character across the 1 MiB read boundary, then invalid UTF-8 further on',
    bytes: Buffer.concat([
      Buffer.from(`id,text\n1,${'a'.repeat((1 << 20) - 11)}é\n`),
      Buffer.from('2,ok\n3,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]),
    expect: { code: 'io_error', message: /\.csv:4: byte 0xC3 at byte offset 1048585 is not valid UTF-8/ },
  },
  {
    name: 'CRLF split by the 1 MiB read boundary, and a doubled quote split by the next one',
    bytes: (() => {
      const head = 'id,text\r\n1,';
      const first = head + 'a'.repeat((1 << 20) - head.length - 1) + '\r\n';
      const prefix = '2,"';
      const second = prefix + 'b'.repeat((1 << 20) - prefix.length - 2) + '""c"\r\n';
      return first + second + '3,d\r\n';
    })(),
    expect: { rows: 3 },
  },
  {
    name: 'a 3 MB field with config.columns (the reader is retried with the longest record the scan saw)',
    bytes: `id,blob\n1,short\n2,${'x'.repeat(3 << 20)}\n`,
    config: {
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'blob', type: 'VARCHAR' },
      ],
    },
    expect: { rows: 2 },
  },
  {
    name: 'a NUL byte near the end of 200,000 rows with config.columns: DuckDB would load it, the scan refuses it',
    bytes: Buffer.concat([
      Buffer.from(['id,name', ...lines(200_000, (i) => `${i},n${i}`)].join('\n') + '\n'),
      Buffer.from([0x35, 0x2c, 0x00, 0x0a]),
    ]),
    config: {
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ],
    },
    expect: { code: 'io_error', message: /\.csv:200002: a NUL byte at byte offset \d+/ },
  },
  {
    name: 'no escape (config.escape empty): quoted delimiters read, a doubled quote refused',
    bytes: 'a,b\n"x,y",1\n"p""q",2\n',
    config: { escape: '' },
    expect: { code: 'io_error', message: /\.csv:3: text after the closing quote of field 1/ },
  },
  {
    name: 'config: a quote equal to the delimiter',
    bytes: 'a;b\n1;2\n',
    config: { delimiter: ';', quote: ';' },
    expect: { code: 'config_error', message: /config\.quote and config\.delimiter are the same character/ },
  },
];

function fileNameOf(name: string): string {
  return `${name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 40)}.csv`;
}

async function extract(stepId: string, config: Record<string, unknown>) {
  const { ctx } = h.createContext(stepId);
  return csvExtractorModule.create().run({ config, connection: undefined, inputs: {}, ctx });
}

describe('malformed CSV corpus', () => {
  it('has at least 20 cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(20);
  });

  CORPUS.forEach((c, index) => {
    it(c.name, async () => {
      const file = fileNameOf(c.name);
      writeFileSync(join(h.projectDir, file), c.bytes);
      const stepId = `corpus-${index}`;
      const run = extract(stepId, { path: file, ...c.config });
      if ('code' in c.expect) {
        const error = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'the step must fail').toBeInstanceOf(OsirisError);
        const failure = error as OsirisError;
        expect({ code: failure.code, message: failure.message }).toMatchObject({ code: c.expect.code });
        expect(failure.message).toMatch(c.expect.message);
        expect(failure.where).toBe(stepId);
        expect(failure.message).not.toMatch(DUCKDB_OPTIONS);
        // Nothing half-read stays behind.
        await expect(h.dataPlane.describe(stepId)).rejects.toThrow(/no output table/);
        return;
      }
      const result = await run;
      expect(result).toEqual({ rowsRead: c.expect.rows, rowsProcessed: c.expect.rows });
      const info = await h.dataPlane.describe(stepId);
      expect(info.rows).toBe(c.expect.rows);
      if (c.expect.columns) expect(info.columns).toEqual(c.expect.columns);
      if (c.expect.csv !== undefined)
        expect(await readTableAsCanonicalCsv(h.dataPlane, stepId)).toBe(c.expect.csv);
    });
  });

  it('reads 10,000 columns x 1 row under the default memory limit (1GB)', async () => {
    // Type detection over 10,000 columns needs more than the 256MB of the shared harness.
    const wide = await createDriverHarness('1GB');
    try {
      const names = lines(10_000, (i) => `c${i}`);
      const text = `${names.join(',')}\n${lines(10_000, (i) => String(i)).join(',')}\n`;
      writeFileSync(join(wide.projectDir, 'wide.csv'), text);
      const { ctx } = wide.createContext('wide');
      const result = await csvExtractorModule
        .create()
        .run({ config: { path: 'wide.csv' }, connection: undefined, inputs: {}, ctx });
      expect(result.rowsRead).toBe(1);
      const info = await wide.dataPlane.describe('wide');
      expect(info.columns.length).toBe(10_000);
      expect(info.columns[9_999]).toEqual({ name: 'c10000', type: 'BIGINT' });
      expect(await readTableAsCanonicalCsv(wide.dataPlane, 'wide')).toBe(text);
    } finally {
      await wide.dispose();
    }
  }, 60_000);

  it('a hand-over through a FIFO (not scanned): a bad value names the row, and nothing waits on the FIFO', async () => {
    const { ctx } = h.createContext('handed-over');
    const columns = [
      { name: 'id', type: 'INTEGER' },
      { name: 'note', type: 'VARCHAR' },
    ];
    const error = await ctx.dataPlane
      .createFromCsvStream(ctx.stepId, columns, async (sink) => {
        await writeChunk(sink, '1,"a\nb"\n2,ok\nthree,x\n');
        sink.end();
        return 3;
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).message).toMatch(
      /\.csv \(row 3\): column "id": could not convert string "three" to 'INTEGER'$/,
    );
  }, 20_000);
});
