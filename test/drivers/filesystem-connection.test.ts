// `connection: "@filesystem.<alias>"` on the file components: path resolves under the connection's
// base_dir (itself relative to the project directory); no connection keeps the project directory.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnections } from '../../src/connections/parse-connections.js';
import type { ResolvedConnection } from '../../src/core/index.js';
import { OsirisError, selectStepConnection } from '../../src/core/index.js';
import { csvExtractorModule } from '../../src/drivers/csv/filesystem-csv-extractor.js';
import { csvWriterModule } from '../../src/drivers/csv/filesystem-csv-writer.js';
import { probeFilesystemConnection } from '../../src/drivers/sql/filesystem-connection.js';
import { parquetWriterModule } from '../../src/drivers/parquet/filesystem-parquet-writer.js';
import { createDriverHarness } from './contract/step-context.js';
import type { DriverHarness } from './contract/step-context.js';

let h: DriverHarness;
beforeAll(async () => {
  h = await createDriverHarness();
  mkdirSync(join(h.projectDir, 'data', 'exports'), { recursive: true });
  writeFileSync(join(h.projectDir, 'data', 'exports', 'customers.csv'), 'id,name\n1,Ann\n2,Bob\n');
  writeFileSync(join(h.projectDir, 'customers.csv'), 'id,name\n9,Project\n');
  writeFileSync(join(h.projectDir, 'data', 'a-file'), 'not a directory\n');
});
afterAll(async () => {
  await h.dispose();
});

const fsConnection = (alias: string, baseDir: string): ResolvedConnection => ({
  family: 'filesystem',
  alias,
  fields: { base_dir: baseDir },
  secrets: [],
});
const EXPORTS = fsConnection('exports', './data/exports');

async function extract(stepId: string, config: Record<string, unknown>, connection?: ResolvedConnection) {
  const { ctx } = h.createContext(stepId);
  await csvExtractorModule.create().run({ config, connection, inputs: {}, ctx });
  return h.dataPlane.describe(stepId);
}

async function failureOf(run: () => Promise<unknown>): Promise<OsirisError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OsirisError);
  return error as OsirisError;
}

describe('file components with a filesystem connection', () => {
  it('the extractor reads path under base_dir; without a connection, under the project directory', async () => {
    const cfg = { connection: '@filesystem.exports', path: 'customers.csv' };
    expect((await extract('via-conn', cfg, EXPORTS)).rows).toBe(2);
    expect((await extract('plain', { path: 'customers.csv' })).rows).toBe(1);
  });

  it('the CSV and Parquet writers write under base_dir (parent directories created) and report the file', async () => {
    await extract('src', { path: 'customers.csv' });
    const csv = h.createContext('w-csv');
    const written = await csvWriterModule.create().run({
      config: { connection: '@filesystem.exports', path: 'out/customers.csv' },
      connection: EXPORTS,
      inputs: { src: 'src' },
      ctx: csv.ctx,
    });
    const target = join(h.projectDir, 'data', 'exports', 'out', 'customers.csv');
    expect(written.outputFiles).toEqual([target]);
    expect(readFileSync(target, 'utf8')).toBe('id,name\n9,Project\n');
    expect(csv.recorded.events.at(-1)?.fields).toMatchObject({ target: 'data/exports/out/customers.csv' });
    const parquet = await parquetWriterModule.create().run({
      config: { connection: '@filesystem.exports', path: 'out/customers.parquet' },
      connection: EXPORTS,
      inputs: { src: 'src' },
      ctx: h.createContext('w-parquet').ctx,
    });
    expect(parquet.outputFiles).toEqual([join(h.projectDir, 'data', 'exports', 'out', 'customers.parquet')]);
    expect(existsSync(join(h.projectDir, 'out'))).toBe(false);
  });

  it('an absolute path or one leaving base_dir is a config_error naming both keys and the step', async () => {
    const absolute = await failureOf(() =>
      extract(
        'abs',
        { connection: '@filesystem.exports', path: join(h.projectDir, 'customers.csv') },
        EXPORTS,
      ),
    );
    expect(absolute.code).toBe('config_error');
    expect(absolute.message).toMatch(
      /^step abs config\.path: config\.path '\/.*customers\.csv' is absolute, but config\.connection '@filesystem\.exports' makes it relative to that connection's base_dir/,
    );
    const leaving = await failureOf(() =>
      extract('up', { connection: '@filesystem.exports', path: '../../customers.csv' }, EXPORTS),
    );
    expect(leaving.code).toBe('config_error');
    expect(leaving.message).toContain("config.path '../../customers.csv' leaves base_dir");
  });

  it('base_dir missing or not a directory: connection_error with the step path, before any file is touched', async () => {
    const missing = await failureOf(() =>
      extract(
        'm',
        { connection: '@filesystem.gone', path: 'customers.csv' },
        fsConnection('gone', 'data/gone'),
      ),
    );
    expect(missing.code).toBe('connection_error');
    expect(missing.message).toBe(
      "step m config.connection: connection @filesystem.gone: base_dir 'data/gone' does not exist (relative to the project directory)",
    );
    await extract('src2', { path: 'customers.csv' });
    const notDir = await failureOf(() =>
      csvWriterModule.create().run({
        config: { connection: '@filesystem.file', path: 'x.csv' },
        connection: fsConnection('file', 'data/a-file'),
        inputs: { src: 'src2' },
        ctx: h.createContext('nd').ctx,
      }),
    );
    expect(notDir.code).toBe('connection_error');
    expect(notDir.message).toMatch(
      /^step nd config\.connection: connection @filesystem\.file: base_dir 'data\/a-file' is not a directory/,
    );
    expect(existsSync(join(h.projectDir, 'data', 'gone'))).toBe(false);
  });

  it('a missing input under base_dir names the file, the path and the connection', async () => {
    const error = await failureOf(() =>
      extract('nf', { connection: '@filesystem.exports', path: 'nope.csv' }, EXPORTS),
    );
    expect(error.code).toBe('io_error');
    expect(error.message).toContain(
      `cannot read CSV file ${join(h.projectDir, 'data', 'exports', 'nope.csv')} (config.path "nope.csv" in @filesystem.exports (base_dir ./data/exports)): ENOENT`,
    );
  });
});

describe('the filesystem family in the connection layer', () => {
  it('a step without connection uses none (not the family default); one with a reference uses it', () => {
    const families = csvExtractorModule.spec.connectionFamilies;
    expect(families).toEqual(['filesystem']);
    expect(selectStepConnection({ path: 'x.csv' }, families)).toBeUndefined();
    expect(selectStepConnection({ connection: '@filesystem.exports', path: 'x.csv' }, families)).toEqual({
      family: 'filesystem',
      alias: 'exports',
      ref: '@filesystem.exports',
    });
    // database families keep their default connection
    expect(selectStepConnection({}, ['postgres'])).toMatchObject({ family: 'postgres', alias: undefined });
  });

  it('connections list shows no filesystem alias as a default (a plain path never uses one)', () => {
    const text =
      'connections:\n  filesystem:\n    default:\n      base_dir: ./data\n    exports:\n      base_dir: ./data/exports\n  mysql:\n    default:\n      host: h\n';
    const registry = parseConnections(text, 'conn.yaml', {});
    expect(registry.list().map((c) => [c.family, c.alias, c.default])).toEqual([
      ['filesystem', 'default', false],
      ['filesystem', 'exports', false],
      ['mysql', 'default', true],
    ]);
  });

  it('the doctor probe checks that base_dir exists and is a directory', () => {
    const ok = probeFilesystemConnection(EXPORTS, h.projectDir);
    expect(ok).toMatchObject({
      ok: true,
      serverVersion: `base_dir ${join(h.projectDir, 'data', 'exports')}`,
    });
    expect(probeFilesystemConnection(fsConnection('gone', 'data/gone'), h.projectDir)).toMatchObject({
      ok: false,
      errorCode: 'connection_error',
      error: `base_dir 'data/gone' does not exist (${join(h.projectDir, 'data', 'gone')})`,
    });
    expect(probeFilesystemConnection(fsConnection('file', 'data/a-file'), h.projectDir)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^base_dir 'data\/a-file' is not a directory/),
    });
  });
});
