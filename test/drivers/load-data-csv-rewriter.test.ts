// The bytes LOAD DATA gets from a kept CSV file (src/drivers/mysql/load-data-csv-rewriter.ts): the CSV
// NULL convention becomes LOAD DATA's, BOOLEAN spellings become 1/0, blank lines go, everything else is
// copied; the same output whatever the chunk boundaries.
import { describe, expect, it } from 'vitest';
import { createLoadDataCsvRewriter } from '../../src/drivers/mysql/load-data-csv-rewriter.js';

/** Rewrite `text` fed in chunks of `size` bytes; column 3 is BOOLEAN when `booleanLast`. */
function rewrite(text: string, size: number, nullString = '', booleanLast = false): string {
  const rewriter = createLoadDataCsvRewriter(0x2c, 0x22, nullString, [false, false, booleanLast]);
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(rewriter.push(bytes.subarray(i, i + size)));
  out.push(rewriter.end());
  return Buffer.concat(out).toString();
}

const CASES: [string, string, string, string?, boolean?][] = [
  ['plain records are copied', '1,a,b\n', '1,a,b\n'],
  ['an empty unquoted field is NULL', '1,,b\n', '1,NULL,b\n'],
  ['a quoted empty field stays the empty string', '1,"",b\n', '1,"",b\n'],
  ['a bare NULL that is text is quoted', '1,NULL,b\n', '1,"NULL",b\n'],
  ['a quoted NULL stays text, an empty last field is NULL', '1,"NULL",\n', '1,"NULL",NULL\n'],
  ['quotes, delimiters and a blank line', '1,"a,""b""",x\n\n2,y,\n', '1,"a,""b""",x\n2,y,NULL\n'],
  ['CRLF and a blank CRLF line', '1,a,b\r\n\r\n2,,c\r\n', '1,a,b\r\n2,NULL,c\r\n'],
  ['a last record without a line end, ending empty', '1,a,', '1,a,NULL'],
  ['a last record without a line end, ending NULL', '1,a,NULL', '1,a,"NULL"'],
  ['another null_string', '1,NA,x\n', '1,NULL,x\n', 'NA'],
  ['with another null_string the empty field is text', '1,,x\n', '1,,x\n', 'NA'],
  ['a quoted line break', '"q\nr",,x\n', '"q\nr",NULL,x\n'],
  [
    'BOOLEAN spellings',
    '1,x,true\n2,y,F\n3,z,\n4,w,"true"\n5,v,No\n',
    '1,x,1\n2,y,0\n3,z,NULL\n4,w,"true"\n5,v,0\n',
    '',
    true,
  ],
];

describe('LOAD DATA bytes of a kept CSV file', () => {
  for (const [what, input, expected, nullString, booleanLast] of CASES) {
    it(what, () => {
      for (const size of [1, 2, 3, 7, 1 << 20])
        expect(rewrite(input, size, nullString, booleanLast), `chunks of ${size}`).toBe(expected);
    });
  }
});
