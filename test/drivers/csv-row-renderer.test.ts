import { describe, expect, it } from 'vitest';
import { createCsvRowRenderer, isNumericType } from '../../src/drivers/sql/csv-row-renderer.js';

const rows: (string | null)[][] = [
  ['1', 'plain', null, ''],
  ['-2.50', 'a,b', 'say "hi"', 'x\ny'],
  ['3', '#tag', 'cr\rhere', ' padded '],
];

describe('createCsvRowRenderer', () => {
  it('minimal: quotes only "", delimiter, quote, CR, LF and #; NULL stays empty', () => {
    const r = createCsvRowRenderer({ delimiter: ',', quoting: 'minimal', newline: '\n' });
    expect(r.renderHeader(['id', 'na,me', 'c', 'd'])).toBe('id,"na,me",c,d\n');
    expect(r.renderRows(rows)).toBe(
      '1,plain,,""\n-2.50,"a,b","say ""hi""","x\ny"\n3,"#tag","cr\rhere", padded \n',
    );
  });

  it('all: quotes every non-NULL field and the header', () => {
    const r = createCsvRowRenderer({ delimiter: ',', quoting: 'all', newline: '\r\n' });
    expect(r.renderHeader(['id', 'b'])).toBe('"id","b"\r\n');
    expect(r.renderRows([['1', null, '']])).toBe('"1",,""\r\n');
  });

  it('nonnumeric: numeric columns follow minimal, the others are quoted', () => {
    const r = createCsvRowRenderer({
      delimiter: ';',
      quoting: 'nonnumeric',
      newline: '\n',
      numericColumns: [true, false, false, false],
    });
    expect(r.renderRows(rows.slice(0, 2))).toBe('1;"plain";;""\n-2.50;"a,b";"say ""hi""";"x\ny"\n');
  });

  it('quotes the delimiter it is given (tab, semicolon)', () => {
    expect(
      createCsvRowRenderer({ delimiter: '\t', quoting: 'minimal', newline: '\n' }).renderRows([
        ['a\tb', 'a,b'],
      ]),
    ).toBe('"a\tb"\ta,b\n');
  });

  it('knows numeric DuckDB types', () => {
    for (const t of ['INTEGER', 'BIGINT', 'HUGEINT', 'DECIMAL(12,2)', 'DOUBLE', 'FLOAT', 'UBIGINT'])
      expect(isNumericType(t)).toBe(true);
    for (const t of ['VARCHAR', 'DATE', 'TIMESTAMP', 'BOOLEAN', 'JSON', 'INTEGER[]'])
      expect(isNumericType(t)).toBe(false);
  });
});

describe('contract helpers', () => {
  it('find every changed value, NULL vs empty included, in any row order when sorted by key', async () => {
    const { diffCanonicalCsv } = await import('./contract/canonical-csv.js');
    const expected = 'id,v\n2,b\n10,""\n1,\n';
    expect(diffCanonicalCsv(expected, 'id,v\n1,\n2,b\n10,""\n', ['id'])).toEqual([]);
    expect(diffCanonicalCsv(expected, 'id,v\n1,\n2,b\n10,""\n')).toHaveLength(6);
    expect(diffCanonicalCsv(expected, 'id,v\n1,""\n2,b\n10,\n', ['id'])).toEqual([
      { row: 1, column: 'v', expected: null, actual: '' },
      { row: 3, column: 'v', expected: '', actual: null },
    ]);
    expect(diffCanonicalCsv(expected, 'id,v\n1,\n2,b\n', ['id'])).toEqual([
      { row: 3, column: 'id', expected: '10', actual: undefined },
      { row: 3, column: 'v', expected: '', actual: undefined },
    ]);
  });
});
