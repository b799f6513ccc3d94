// The MySQL extractor's CSV line packer on hand-built text-protocol rows (pure; no server).
import { describe, expect, it } from 'vitest';
import { createCsvLinePacker } from '../../src/drivers/mysql/mysql-protocol.js';
import type { LineChunk, LineFieldKind } from '../../src/drivers/mysql/mysql-protocol.js';

/** A row as the text protocol sends it: each field length-coded, NULL as 0xFB. */
function encodeRow(fields: (string | null)[]): Buffer {
  const parts = fields.map((field) => {
    if (field === null) return Buffer.from([0xfb]);
    const bytes = Buffer.from(field);
    const n = bytes.length;
    const code =
      n < 251
        ? Buffer.from([n])
        : n < 0x10000
          ? Buffer.from([0xfc, n & 0xff, n >> 8])
          : Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
    return Buffer.concat([code, bytes]);
  });
  return Buffer.concat(parts);
}

/** Every chunk the packer gives for these rows (each placed inside a larger packet), the last flushed. */
function packAll(rows: (string | null)[][], kinds: LineFieldKind[], chunkBytes: number): LineChunk[] {
  const packer = createCsvLinePacker(kinds, chunkBytes);
  const chunks: LineChunk[] = [];
  for (const row of rows) {
    const packet = Buffer.concat([Buffer.from('HEAD'), encodeRow(row), Buffer.from('TAIL')]);
    const full = packer.add(packet, 4, packet.length - 4);
    if (full) chunks.push(full);
  }
  const rest = packer.flush();
  if (rest) chunks.push(rest);
  return chunks;
}

const text = (chunks: LineChunk[]): string => Buffer.concat(chunks.map((c) => c.bytes)).toString();

describe('createCsvLinePacker', () => {
  it('quotes text only where CSV needs it, copies plain fields, and writes NULL as an empty field', () => {
    const kinds: LineFieldKind[] = ['plain', 'text', 'text', 'plain'];
    const chunks = packAll(
      [
        ['1', 'plain words', 'São Paulo 🚀', '2024-01-01'],
        ['2', '', null, null],
        ['3', 'a,b', 'say "hi"', '""'],
        ['4', 'line\nbreak', 'carriage\rreturn', '1.5'],
      ],
      kinds,
      1024,
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.lines).toBe(4);
    expect(text(chunks)).toBe(
      '1,plain words,São Paulo 🚀,2024-01-01\n' +
        '2,"",,\n' +
        '3,"a,b","say ""hi""",""\n' +
        '4,"line\nbreak","carriage\rreturn",1.5\n',
    );
  });

  it('reads two- and three-byte length codes (fields of 251 bytes and more)', () => {
    const medium = 'm'.repeat(300);
    const large = `${'x'.repeat(70_000)},`;
    const chunks = packAll([[medium, large]], ['plain', 'text'], 16);
    expect(text(chunks)).toBe(`${medium},"${large}"\n`);
  });

  it('starts a new chunk when a row does not fit, never changes bytes already handed out', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [String(i), `row "${i}"`]);
    const chunks = packAll(rows, ['plain', 'text'], 64);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.bytes.length).toBeLessThanOrEqual(64);
    expect(chunks.reduce((n, c) => n + c.lines, 0)).toBe(50);
    expect(text(chunks)).toBe(rows.map(([i]) => `${i},"row ""${i}"""\n`).join(''));
  });

  it('gives a row longer than a chunk a buffer of its own size, after the rows before it', () => {
    const long = 'y'.repeat(100);
    const chunks = packAll([['a'], [long], ['b']], ['text'], 8);
    expect(chunks.map((c) => c.bytes.toString())).toEqual(['a\n', `${long}\nb\n`]);
    expect(chunks.map((c) => c.lines)).toEqual([1, 2]);
  });

  it('flushes nothing when no row was added', () => {
    expect(createCsvLinePacker(['plain'], 8).flush()).toBeUndefined();
  });
});
