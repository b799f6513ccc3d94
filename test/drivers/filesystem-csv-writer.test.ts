import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { csvWriterModule, writeRendered } from '../../src/drivers/csv/filesystem-csv-writer.js';
import { parseCanonicalCsv } from './contract/canonical-csv.js';
import { readMoviesTables } from './contract/driver-contract.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';
import { STANDARD_CSV } from './contract/standard-csv.js';

let h: DriverHarness;
// Every edge case of the convention in one table.
const EDGE_SQL = `SELECT * FROM (VALUES
  (1, 'plain', 10.50::DECIMAL(12,2), 9007199254740993::BIGINT, 0.1::DOUBLE, TIMESTAMP '2021-01-01 10:00:00', true, '{"a": [1, 2]}'::JSON),
  (2, '', NULL, NULL, 54.0, TIMESTAMP '2021-01-01 10:00:00.120', false, NULL),
  (3, NULL, 0.00, -9223372036854775808, 5.24620683863759e-06, NULL, NULL, '"text"'),
  (4, E'say "hi", then\\nCR LF:\\r\\n tab:\\t back\\\\slash #hash', -1.05, 1, 1e21, TIMESTAMP '1999-12-31 23:59:59.999999', true, '{}'),
  (5, '🎬 東京 مرحبا e\u0301 ', 99999.99, 0, -0.0, TIMESTAMP '2000-01-01 00:00:00.5', false, '[]')
) t(id, txt, price, big, dbl, ts, flag, doc)`;
const EDGE_CSV =
  'id,txt,price,big,dbl,ts,flag,doc\n' +
  '1,plain,10.50,9007199254740993,0.1,2021-01-01 10:00:00,true,"{""a"": [1, 2]}"\n' +
  '2,"",,,54,2021-01-01 10:00:00.12,false,\n' +
  '3,,0.00,-9223372036854775808,0.00000524620683863759,,,"""text"""\n' +
  '4,"say ""hi"", then\nCR LF:\r\n tab:\t back\\slash #hash",-1.05,1,1e+21,1999-12-31 23:59:59.999999,true,{}\n' +
  '5,🎬 東京 مرحبا e\u0301 ,99999.99,0,0,2000-01-01 00:00:00.5,false,[]\n';

beforeAll(async () => {
  h = await createDriverHarness();
  await h.dataPlane.createFromQuery('edge', EDGE_SQL, {});
});
afterAll(async () => {
  await h.dispose();
});

async function write(
  stepId: string,
  config: Record<string, unknown>,
  inputs: Record<string, string> = { edge: 'edge' },
) {
  const { ctx, recorded } = h.createContext(stepId);
  const result = await csvWriterModule.create().run({ config, connection: undefined, inputs, ctx });
  return { result, recorded };
}

function failure(promise: Promise<unknown>): Promise<OsirisError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(OsirisError);
      return e as OsirisError;
    },
  );
}

describe('filesystem.csv_writer', () => {
  it('has a draft-07 spec with defaults and a valid example', () => {
    const validate = new Ajv({ strict: false, useDefaults: true }).compile(csvWriterModule.spec.configSchema);
    const config: Record<string, unknown> = { path: 'out.csv' };
    expect(validate(config)).toBe(true);
    expect(config).toEqual({
      path: 'out.csv',
      delimiter: ',',
      header: true,
      quoting: 'minimal',
      encoding: 'utf-8',
      newline: 'lf',
    });
    expect(validate({ ...csvWriterModule.spec.example })).toBe(true);
    expect(validate({ path: 'x', quoting: 'some' })).toBe(false);
    expect(csvWriterModule.spec.modes).toEqual(['write']);
  });

  it('writes the CSV convention (engine fast path), relative to the project dir, and reports it', async () => {
    const { result, recorded } = await write('write-edge', { path: 'output/deep/edge.csv' });
    const target = join(h.projectDir, 'output', 'deep', 'edge.csv');
    expect(readFileSync(target, 'utf8')).toBe(EDGE_CSV);
    expect(result).toEqual({ rowsWritten: 5, rowsProcessed: 5, outputFiles: [target] });
    expect(recorded.events).toEqual([
      {
        name: 'write.complete',
        fields: { step_id: 'write-edge', rows_written: 5, target: 'output/deep/edge.csv' },
      },
    ]);
    expect(readdirSync(join(h.projectDir, 'output', 'deep'))).toEqual(['edge.csv']);
  });

  it('renders the same bytes in JS as the engine writes (CRLF variant compared line by line)', async () => {
    await write('write-js', {
      path: 'js.csv',
      columns: ['id', 'txt', 'price', 'big', 'dbl', 'ts', 'flag', 'doc'],
      newline: 'crlf',
    });
    const crlf = readFileSync(join(h.projectDir, 'js.csv'), 'utf8');
    expect(parseCanonicalCsv(crlf)).toEqual(parseCanonicalCsv(EDGE_CSV));
    expect(crlf.startsWith('id,txt,price,big,dbl,ts,flag,doc\r\n1,plain,')).toBe(true);
    // Subset and reorder goes through the JS renderer; identical cells to the engine's output.
    await write('write-subset', { path: 'subset.csv', columns: ['doc', 'id'] });
    const expected = parseCanonicalCsv(EDGE_CSV).map((row) => [row[7], row[0]]);
    expect(parseCanonicalCsv(readFileSync(join(h.projectDir, 'subset.csv'), 'utf8'))).toEqual(expected);
  });

  it('produces byte-identical output through the JS path and the engine path for the movies data', async () => {
    for (const table of readMoviesTables()) {
      const id = `movies-${table.name.replaceAll('_', '-')}`;
      await h.dataPlane.createFromCsv(id, {
        path: table.csvPath,
        ...STANDARD_CSV,
        columns: table.columns.map(({ name, type }) => ({ name, type })),
      });
      const { ctx } = h.createContext(`w-${id}`);
      const jsConfig = {
        path: '',
        delimiter: ',',
        header: true,
        quoting: 'minimal',
        encoding: 'utf-8',
        newline: '\n',
        columns: undefined,
      } as const;
      expect(await writeRendered(ctx, id, join(h.projectDir, `js-${table.name}.csv`), jsConfig)).toBe(
        table.rows,
      );
      await write(`e-${id}`, { path: `engine-${table.name}.csv` }, { [id]: id });
      const js = readFileSync(join(h.projectDir, `js-${table.name}.csv`));
      expect(js.equals(readFileSync(join(h.projectDir, `engine-${table.name}.csv`)))).toBe(true);
      expect(js.toString('utf8')).toBe(readFileSync(table.csvPath, 'utf8'));
    }
    const { ctx } = h.createContext('w-edge-js');
    const config = {
      path: '',
      delimiter: ',',
      header: true,
      quoting: 'minimal',
      encoding: 'utf-8',
      newline: '\n',
      columns: undefined,
    } as const;
    await writeRendered(ctx, 'edge', join(h.projectDir, 'edge-js.csv'), config);
    expect(readFileSync(join(h.projectDir, 'edge-js.csv'), 'utf8')).toBe(EDGE_CSV);
  });

  it('quotes every non-NULL field with quoting=all, non-numeric ones with quoting=nonnumeric', async () => {
    await write('write-all', { path: 'all.csv', quoting: 'all', delimiter: ';' });
    const all = readFileSync(join(h.projectDir, 'all.csv'), 'utf8').split('\n');
    expect(all[0]).toBe('"id";"txt";"price";"big";"dbl";"ts";"flag";"doc"');
    expect(all[2]).toBe('"2";"";;;"54";"2021-01-01 10:00:00.12";"false";');
    await write('write-nonnumeric', { path: 'nn.csv', quoting: 'nonnumeric' });
    const nn = readFileSync(join(h.projectDir, 'nn.csv'), 'utf8').split('\n');
    expect(nn[1]).toBe('1,"plain",10.50,9007199254740993,0.1,"2021-01-01 10:00:00","true","{""a"": [1, 2]}"');
    expect(nn[3]).toBe('3,,0.00,-9223372036854775808,0.00000524620683863759,,,"""text"""');
  });

  it('writes UTF-16LE with a BOM and latin1, and refuses characters latin1 cannot hold', async () => {
    await write('write-u16', { path: 'u16.csv', encoding: 'utf-16le' });
    const u16 = readFileSync(join(h.projectDir, 'u16.csv'));
    expect([...u16.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(u16.subarray(2).toString('utf16le')).toBe(EDGE_CSV);
    await h.dataPlane.createFromQuery('latin', `SELECT 'Agnès' AS name, 'façade' AS word`, {});
    await write('write-l1', { path: 'l1.csv', encoding: 'latin1', header: false }, { latin: 'latin' });
    expect(readFileSync(join(h.projectDir, 'l1.csv'))).toEqual(Buffer.from('Agnès,façade\n', 'latin1'));
    // Atomic: the failed write leaves the previous file untouched and no temp file behind.
    writeFileSync(join(h.projectDir, 'keep.csv'), 'old content\n');
    const error = await failure(write('write-bad-l1', { path: 'keep.csv', encoding: 'latin1' }));
    expect(error.code).toBe('io_error');
    // row 5, on line 8: row 4's quoted value holds two line breaks
    expect(error.message).toBe(
      'write-bad-l1: line 8 of the output: character U+1F3AC cannot be written in latin1 (config.encoding: use utf-8 or utf-16le)',
    );
    expect(error.where).toBe('write-bad-l1');
    expect(readFileSync(join(h.projectDir, 'keep.csv'), 'utf8')).toBe('old content\n');
    expect(readdirSync(h.projectDir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('fails with io_error naming the path when it cannot write there', async () => {
    writeFileSync(join(h.projectDir, 'a-file'), 'x');
    const blocked = await failure(write('write-blocked', { path: 'a-file/out.csv' }));
    expect(blocked.code).toBe('io_error');
    expect(blocked.message).toContain(join(h.projectDir, 'a-file'));
    mkdirSync(join(h.projectDir, 'is-a-dir.csv'), { recursive: true });
    const dir = await failure(write('write-dir', { path: 'is-a-dir.csv' }));
    expect(dir.code).toBe('io_error');
    expect(dir.message).toContain('is-a-dir.csv');
    expect(readdirSync(h.projectDir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('refuses a target it would destroy (a device, a directory) or cannot name', async () => {
    // A rename over /dev/full would replace the device with a file; the writer refuses non-regular targets.
    const device = await failure(write('write-device', { path: '/dev/full' }));
    expect(device.code).toBe('io_error');
    expect(device.message).toMatch(/\/dev\/full: it is not a regular file.*\(config\.path\)/);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    const long = `${'n'.repeat(230)}.csv`;
    const named = await failure(write('write-long', { path: long }));
    expect(named.code).toBe('io_error');
    expect(named.message).toContain('file name is 234 bytes long; at most 222');
    expect(readdirSync(h.projectDir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('reports a failing disk instead of finishing a short file', async () => {
    const { ctx } = h.createContext('write-full');
    const config = {
      path: '',
      delimiter: ',',
      header: true,
      quoting: 'all',
      encoding: 'utf-8',
      newline: '\n',
      columns: undefined,
    } as const;
    const error = await writeRendered(ctx, 'edge', '/dev/full', config).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });

  it('needs exactly one input and known columns', async () => {
    expect((await failure(write('w0', { path: 'x.csv' }, {}))).code).toBe('input_error');
    expect((await failure(write('w2', { path: 'x.csv' }, { edge: 'edge', latin: 'latin' }))).code).toBe(
      'input_error',
    );
    const unknown = await failure(write('w3', { path: 'x.csv', columns: ['id', 'nope'] }));
    expect(unknown.code).toBe('config_error');
    expect(unknown.message).toContain('nope');
    expect(existsSync(join(h.projectDir, 'x.csv'))).toBe(false);
  });

  it('stops with interrupted when the step is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { ctx } = h.createContext('write-aborted', { signal: controller.signal });
    const error = await failure(
      csvWriterModule
        .create()
        .run({ config: { path: 'aborted.csv' }, connection: undefined, inputs: { edge: 'edge' }, ctx }),
    );
    expect(error.code).toBe('interrupted');
    expect(existsSync(join(h.projectDir, 'aborted.csv'))).toBe(false);
  });
});
