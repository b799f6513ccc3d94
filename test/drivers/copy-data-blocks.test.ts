// The PostgreSQL extractor's COPY OUT reader on hand-built protocol messages (pure; no server): rows
// gathered into blocks, boolean and double cells rewritten into their canonical form, and the end of
// the response (CopyDone or an ErrorResponse) found wherever the socket's chunks split the bytes.
import { describe, expect, it } from 'vitest';
import { createCopyDataBlocks } from '../../src/drivers/postgres/copy-data-blocks.js';
import type { CopyOutEnd } from '../../src/drivers/postgres/copy-data-blocks.js';
import type { CanonicalCellKind } from '../../src/drivers/postgres/postgres-column-types.js';
import { renderCanonicalDouble } from '../../src/drivers/postgres/postgres-column-types.js';

/** One protocol message: type byte, length (counting itself), body. */
function message(type: string, body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(bytes.length + 4, 1);
  return Buffer.concat([head, bytes]);
}

const AFTER = Buffer.concat([message('C', 'COPY 3\0'), message('Z', 'I')]);

/** Feed `wire` in chunks of `size` bytes; the rows, and where the response ended. */
function readAll(
  wire: Buffer,
  size: number,
  kinds: (CanonicalCellKind | undefined)[] = [],
  blockBytes = 16,
): { rows: string; end: CopyOutEnd | undefined; blocks: number[] } {
  const reader = createCopyDataBlocks(kinds, blockBytes);
  const out: Buffer[] = [];
  let end: CopyOutEnd | undefined;
  for (let at = 0; at < wire.length && !end; at += size) {
    const step = reader.feed(wire.subarray(at, at + size));
    out.push(...step.blocks);
    if (step.end) end = { ...step.end, rest: Buffer.concat([step.end.rest, wire.subarray(at + size)]) };
  }
  const last = reader.flush();
  if (last) out.push(last);
  return { rows: Buffer.concat(out).toString(), end, blocks: out.map((b) => b.length) };
}

const ROWS = [
  '1,t,1.5,"a, ""quoted"" text",0.0001\n',
  '2,f,-0,"two\nlines",1.5e-05\n',
  '3,,,"",-1.2345678901234567e+15\n',
  '4,t,1e-07,x,1e+21\n',
];
const KINDS: (CanonicalCellKind | undefined)[] = [undefined, 'boolean', 'double', undefined, 'double'];
const CANONICAL = [
  '1,true,1.5,"a, ""quoted"" text",0.0001\n',
  '2,false,0,"two\nlines",0.000015\n',
  '3,,,"",-1234567890123456.7\n',
  '4,true,1e-7,x,1e+21\n',
].join('');

function wireOf(rows: string[]): Buffer {
  return Buffer.concat([
    message('H', Buffer.from([0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0])),
    ...rows.flatMap((row, i) =>
      i === 1 ? [message('N', 'a notice\0'), message('d', row)] : [message('d', row)],
    ),
    message('c', ''),
    AFTER,
  ]);
}

describe('createCopyDataBlocks', () => {
  it('passes the rows through unchanged without kinds, in full blocks, at every chunk size', () => {
    const wire = wireOf(ROWS);
    for (let size = 1; size <= wire.length; size += 1) {
      const { rows, end, blocks } = readAll(wire, size);
      expect(rows).toBe(ROWS.join(''));
      expect(end?.failed).toBe(false);
      expect(end?.rest.equals(AFTER)).toBe(true);
      expect(blocks.slice(0, -1).every((n) => n === 16)).toBe(true);
    }
  });

  it('rewrites booleans and doubles into their canonical form, rows split anywhere', () => {
    const wire = wireOf(ROWS);
    for (let size = 1; size <= wire.length; size += 1) {
      const { rows, end } = readAll(wire, size, KINDS, 7);
      expect(rows).toBe(CANONICAL);
      expect(end?.rest.equals(AFTER)).toBe(true);
    }
  });

  it('stops at an ErrorResponse and hands it, whole, to the client library', () => {
    const error = message('E', 'SERROR\0C57014\0Mcanceling statement\0\0');
    const wire = Buffer.concat([message('d', ROWS[0] ?? ''), error, message('Z', 'I')]);
    for (let size = 1; size <= wire.length; size += 1) {
      const { end } = readAll(wire, size, KINDS);
      expect(end?.failed).toBe(true);
      expect(end?.rest.equals(wire.subarray(wire.indexOf('E', 5)))).toBe(true);
    }
  });
});

describe('renderCanonicalDouble', () => {
  it('prints what ECMAScript prints for PostgreSQL’s shortest digits', () => {
    const values = [
      0, -0, 1.5, 1e-4, 1e-5, 1.5e-5, -2.5e-6, 1e-7, 1.25e-300, 1e15, 1.2345e17, 9.99e20, 1e21, -3e22,
    ];
    const postgres = (x: number): string => {
      // PostgreSQL's float8out: exponent form below 1e-4 and from 1e15, at least two exponent digits
      if (Object.is(x, -0)) return '-0';
      if (x === 0) return '0';
      const exponent = Math.floor(Math.log10(Math.abs(x)));
      if (exponent >= -4 && exponent < 15) return String(x);
      const [mantissa, e] = x.toExponential().split('e') as [string, string];
      const sign = e.startsWith('-') ? '-' : '+';
      return `${mantissa}e${sign}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
    };
    for (const x of values) expect(renderCanonicalDouble(postgres(x))).toBe(String(Object.is(x, -0) ? 0 : x));
    expect(renderCanonicalDouble('NaN')).toBe('NaN');
    expect(renderCanonicalDouble('-Infinity')).toBe('-Infinity');
  });
});
