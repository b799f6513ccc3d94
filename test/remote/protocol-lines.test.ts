// The JSON-lines splitter both ends of the protocol use: any chunking gives back exactly the lines sent.
import { describe, expect, it } from 'vitest';
import { createLineSplitter } from '../../src/remote/protocol.js';

function splitAt(text: string, sizes: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = Math.max(1, sizes());
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

describe('createLineSplitter', () => {
  const lines = [
    JSON.stringify({ id: 1, ok: true, result: { text: 'ü€✓'.repeat(10) } }),
    JSON.stringify({ type: 'event', line: { event: 'step_failed', error: 'x'.repeat(1_000_000) } }),
    JSON.stringify({ type: 'heartbeat', seq: 3 }),
    '',
    JSON.stringify({ id: 2, ok: false, error: { code: 'sql_error', message: 'a\\nb' } }),
  ];
  const text = `${lines.join('\n')}\n`;

  for (const [name, sizes] of [
    ['one chunk', () => text.length],
    ['32 KiB chunks', () => 32 * 1024],
    ['1-char chunks around the short lines', () => 1],
    ['random chunks', () => Math.floor(Math.random() * 70_000)],
  ] as const) {
    it(`gives back every non-empty line intact: ${name}`, () => {
      const got: string[] = [];
      const splitter = createLineSplitter((l) => got.push(l));
      // 1-char chunks over 1 MB would be slow for nothing: only the short lines get them
      const chunks = name.startsWith('1-char')
        ? [...splitAt(text.slice(0, 300), sizes), text.slice(300)]
        : splitAt(text, sizes);
      for (const c of chunks) splitter.push(c);
      splitter.end();
      expect(got).toEqual(lines.filter((l) => l !== ''));
    });
  }

  it('delivers a last line without a newline at end()', () => {
    const got: string[] = [];
    const splitter = createLineSplitter((l) => got.push(l));
    splitter.push('{"a":1}\n{"b"');
    expect(got).toEqual(['{"a":1}']);
    splitter.push(':2}');
    splitter.end();
    expect(got).toEqual(['{"a":1}', '{"b":2}']);
  });
});
