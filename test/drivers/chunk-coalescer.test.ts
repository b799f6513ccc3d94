import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createChunkCoalescer } from '../../src/drivers/sql/csv-handoff.js';

/** The blocks a coalescer hands on for these chunks. */
async function coalesce(chunks: string[], blockBytes: number): Promise<string[]> {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk.toString());
      callback();
    },
  });
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), createChunkCoalescer(blockBytes), sink);
  return out;
}

describe('createChunkCoalescer', () => {
  it('joins small chunks into blocks of at least blockBytes, the rest at the end, bytes unchanged', async () => {
    const chunks = Array.from({ length: 25 }, (_, i) => `${i},x\n`);
    const blocks = await coalesce(chunks, 16);
    expect(blocks.join('')).toBe(chunks.join(''));
    expect(blocks.length).toBeLessThan(chunks.length);
    for (const block of blocks.slice(0, -1)) expect(block.length).toBeGreaterThanOrEqual(16);
  });

  it('passes a chunk larger than a block on as it is, and nothing for no input', async () => {
    expect(await coalesce(['x'.repeat(40), 'y'], 16)).toEqual(['x'.repeat(40), 'y']);
    expect(await coalesce([], 16)).toEqual([]);
  });

  it('passes a source failure on (the pipeline rejects)', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection lost'));
      },
    });
    const sink = new Writable({ write: (_c, _e, callback) => callback() });
    await expect(pipeline(failing, createChunkCoalescer(16), sink)).rejects.toThrow('connection lost');
  });
});
