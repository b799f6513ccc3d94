import { describe, expect, it } from 'vitest';
import { createLinePacker } from '../../src/drivers/mysql/mysql-protocol.js';
import type { LineChunk } from '../../src/drivers/mysql/mysql-protocol.js';

/** Every chunk the packer gives for these cells, the last one flushed. */
function packAll(cells: (string | null)[], chunkBytes: number): LineChunk[] {
  const packer = createLinePacker(chunkBytes);
  const chunks: LineChunk[] = [];
  for (const cell of cells) {
    const full = packer.add(cell === null ? null : Buffer.from(cell));
    if (full) chunks.push(full);
  }
  const rest = packer.flush();
  if (rest) chunks.push(rest);
  return chunks;
}

describe('createLinePacker', () => {
  it('writes each cell followed by LF, NULL as an empty line, and counts the lines', () => {
    const chunks = packAll(['a,b', null, '"x\ny"', ''], 64);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.lines).toBe(4);
    expect(chunks[0]?.bytes.toString()).toBe('a,b\n\n"x\ny"\n\n');
  });

  it('starts a new chunk when a cell does not fit, and never changes bytes already handed out', () => {
    const cells = Array.from({ length: 50 }, (_, i) => `row-${i}`);
    const chunks = packAll(cells, 16);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.bytes.length).toBeLessThanOrEqual(16);
    expect(chunks.reduce((n, c) => n + c.lines, 0)).toBe(50);
    expect(Buffer.concat(chunks.map((c) => c.bytes)).toString()).toBe(cells.map((c) => `${c}\n`).join(''));
  });

  it('gives a cell longer than a chunk a chunk of its own size', () => {
    const long = 'x'.repeat(100);
    const chunks = packAll(['a', long, 'b'], 8);
    expect(chunks.map((c) => c.bytes.toString())).toEqual(['a\n', `${long}\n`, 'b\n']);
    expect(chunks.map((c) => c.lines)).toEqual([1, 1, 1]);
  });

  it('flushes nothing when no line was added', () => {
    expect(createLinePacker(8).flush()).toBeUndefined();
  });
});
