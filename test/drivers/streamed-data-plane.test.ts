// A coming output (a streamed hand-over): readers wait until it is a live file, tail it while the
// producer writes, get the producer's failure, stop a producer when they give up (also the scan of a
// CSV kept for its loader); the typed path and a failure before any byte settle readers too. Canonical
// rows parse back to the text DuckDB gives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeferredDataPlane } from '../../src/runtime/data-plane/index.js';
import { createDuckDbDataPlane } from '../../src/runtime/data-plane/duckdb-data-plane.js';
import { parseCanonicalRows } from '../../src/runtime/data-plane/parse-canonical-rows.js';
import { STANDARD_CSV } from './contract/standard-csv.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const COLUMNS = [
  { name: 'id', type: 'INTEGER' },
  { name: 'name', type: 'VARCHAR' },
];

async function setUp() {
  const workDir = mkdtempSync(join(tmpdir(), 'osiris-streamed-'));
  roots.push(workDir);
  const plane = await createDeferredDataPlane({ workDir, memoryLimit: '64MB', threads: 1 }, (options) =>
    createDuckDbDataPlane(options),
  );
  return plane;
}

/** A producer the test drives: write lines, then finish or fail. */
function createManualProducer() {
  let sink: Writable | undefined;
  let finish: (rows: number) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  let opened: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  const produce = (s: Writable) =>
    new Promise<number>((resolve, reject) => {
      sink = s;
      finish = (rows) => {
        s.end();
        resolve(rows);
      };
      fail = reject;
      opened();
    });
  return {
    produce,
    ready,
    write: (text: string) => sink?.write(text),
    finish: (n: number) => finish(n),
    fail: (e: Error) => fail(e),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('streamed hand-over in the data plane', () => {
  it('describe waits for the live file; exportCsvStream and readText tail it until the producer finishes', async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    let described = false;
    const describing = plane.describe('x').then((info) => ((described = true), info));
    await tick();
    expect(described).toBe(false);
    const producer = createManualProducer();
    const producing = plane.createFromCsvStream('x', COLUMNS, producer.produce, { header: 'id,name\n' });
    await producer.ready;
    const info = await describing;
    expect(info).toMatchObject({ columns: COLUMNS, streaming: true });
    const bytes: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of plane.exportCsvStream('x')) bytes.push(chunk);
    })();
    const rows: (string | null)[][] = [];
    const parsing = (async () => {
      for await (const chunk of plane.readText('x', { chunkRows: 1 })) rows.push(...chunk);
    })();
    producer.write('1,"a ""q"", b"\n2,');
    await tick();
    expect(Buffer.concat(bytes).toString()).toBe('1,"a ""q"", b"\n2,');
    expect(rows).toEqual([['1', 'a "q", b']]);
    producer.write('\n3,""\n');
    producer.finish(3);
    await Promise.all([reading, parsing, producing]);
    expect(Buffer.concat(bytes).toString()).toBe('1,"a ""q"", b"\n2,\n3,""\n');
    expect(rows).toEqual([
      ['1', 'a "q", b'],
      ['2', null],
      ['3', ''],
    ]);
    expect((await plane.describe('x')).rows).toBe(3);
    await plane.close();
  });

  it("a producer's failure fails its readers with the input step named; no file is kept", async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    const producer = createManualProducer();
    const producing = plane.createFromCsvStream('x', COLUMNS, producer.produce, { header: 'id,name\n' });
    await producer.ready;
    const reading = (async () => {
      for await (const chunk of plane.exportCsvStream('x')) void chunk;
    })();
    producer.write('1,a\n');
    await tick();
    producer.fail(new Error('connection lost'));
    await expect(producing).rejects.toThrow('connection lost');
    await expect(reading).rejects.toThrow("input step 'x' failed: connection lost");
    plane.settleOutput('x', new Error('connection lost'));
    await expect(plane.describe('x')).rejects.toThrow("input step 'x' failed");
    await plane.close();
  });

  it('a reader that stops early (an attempt to be retried) leaves the producer running; a new read gets every row', async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    const producer = createManualProducer();
    const producing = plane.createFromCsvStream('x', COLUMNS, producer.produce, { header: 'id,name\n' });
    await producer.ready;
    producer.write('1,a\n');
    for await (const chunk of plane.exportCsvStream('x')) {
      expect(chunk.toString()).toBe('1,a\n');
      break;
    }
    producer.write('2,b\n');
    producer.finish(2);
    await producing;
    const again: Buffer[] = [];
    for await (const chunk of plane.exportCsvStream('x')) again.push(chunk);
    expect(Buffer.concat(again).toString()).toBe('1,a\n2,b\n');
    await plane.close();
  });

  it('a failure before any byte (connection refused) settles the readers waiting for the output', async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    const describing = plane.describe('x');
    plane.settleOutput('x', new Error('connection refused'));
    await expect(describing).rejects.toThrow("input step 'x' failed: connection refused");
    await plane.close();
  });

  it('stopOutput (the writer failed) fails the producer at once, even one waiting on its source', async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    const producer = createManualProducer();
    const producing = plane.createFromCsvStream('x', COLUMNS, producer.produce, { header: 'id,name\n' });
    await producer.ready;
    plane.stopOutput('x', new Error('writer failed'));
    await expect(producing).rejects.toThrow('writer failed');
    await plane.close();
  });

  it('stopOutput stops the scan of a CSV kept for its loader: the extractor fails with the reason at once', async () => {
    const plane = await setUp();
    // ~40 MB: the whole scan takes far longer than the stop
    const path = join(mkdtempSync(join(tmpdir(), 'osiris-kept-')), 'big.csv');
    roots.push(dirname(path));
    const line = `1,${'x'.repeat(200)}\n`;
    writeFileSync(path, `id,name\n${line.repeat(200_000)}`);
    plane.allowPassThrough('x');
    plane.expectOutput('x');
    const ingest = plane.createFromCsv('x', {
      path,
      columns: COLUMNS,
      ...STANDARD_CSV,
    });
    expect(await plane.passThroughOf('x')).toHaveProperty('kept');
    plane.stopOutput('x', new Error('writer failed'));
    await expect(ingest).rejects.toThrow('writer failed');
    await plane.close();
  });

  it('the scan of a CSV kept for a streamed loader waits for the loader to ask (at most half a second)', async () => {
    const plane = await setUp();
    const dir = mkdtempSync(join(tmpdir(), 'osiris-kept-'));
    roots.push(dir);
    const ingestOf = (stepId: string, streamed: boolean) => {
      const path = join(dir, `${stepId}.csv`);
      writeFileSync(path, 'id,name\n1,a\n2,b\n3,c\n');
      plane.allowPassThrough(stepId);
      if (streamed) plane.expectOutput(stepId);
      const started = performance.now();
      const ingest = plane.createFromCsv(stepId, { path, columns: COLUMNS, ...STANDARD_CSV });
      return { ingest, elapsed: () => performance.now() - started };
    };
    const settled = (p: Promise<unknown>) =>
      Promise.race([p.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 150))]);

    // streamed: nothing is scanned until the loader reads (the scan would take a few ms)
    const asked = ingestOf('asked', true);
    const kept = await plane.passThroughOf('asked');
    expect(await settled(asked.ingest)).toBe(false);
    const chunks: Buffer[] = [];
    if (!kept || !('kept' in kept)) throw new Error('expected the file kept for its loader');
    for await (const chunk of kept.kept.read()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('1,a\n2,b\n3,c\n');
    expect((await asked.ingest).rows).toBe(3);

    // streamed, but the loader never asks: the scan runs anyway after half a second
    const unasked = ingestOf('unasked', true);
    expect((await unasked.ingest).rows).toBe(3);
    expect(unasked.elapsed()).toBeGreaterThanOrEqual(490);

    // no streamed reader: the scan runs at once
    const plain = ingestOf('plain', false);
    expect((await plain.ingest).rows).toBe(3);
    expect(plain.elapsed()).toBeLessThan(450);
    await plane.close();
  });

  it('an output produced as a typed table settles readers with the table', async () => {
    const plane = await setUp();
    plane.expectOutput('x');
    const describing = plane.describe('x');
    await plane.createFromCsvStream('x', COLUMNS, async (sink) => {
      sink.end('1,a\n');
      return 1;
    });
    plane.settleOutput('x');
    expect((await describing).rows).toBe(1);
    await plane.close();
  });
});

describe('parseCanonicalRows', () => {
  it('splits records and quoted values across chunk and UTF-8 character boundaries', async () => {
    const text = Buffer.from('1,"é\n""x"""\n2,ü,\n,""');
    async function* oneByteAtATime() {
      for (let i = 0; i < text.length; i++) yield text.subarray(i, i + 1);
    }
    const rows: (string | null)[][] = [];
    for await (const chunk of parseCanonicalRows(oneByteAtATime(), 2, 'x')) rows.push(...chunk);
    expect(rows).toEqual([
      ['1', 'é\n"x"'],
      ['2', 'ü', null],
      [null, ''],
    ]);
  });
});
