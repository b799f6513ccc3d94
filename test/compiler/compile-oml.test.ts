// Successful compiles: params, defaults, order, determinism and fingerprints (docs/oml-reference.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFingerprint } from '../../src/core/fingerprint.js';
import { writeCanonicalJson } from '../../src/core/canonical-json.js';
import { createManifestFingerprint } from '../../src/compiler/index.js';
import { compile, FILE, HEADER, oml } from './compile-support.js';
import type { ComponentSpec } from '../../src/core/component-spec.js';
import { createTestCatalog, CSV_EXTRACTOR, DUCKDB_PROCESSOR, POSTGRES_WRITER } from './test-catalog.js';

const MOVIES = readFileSync(new URL('../fixtures/oml/movies-etl.yaml', import.meta.url), 'utf8');

describe('params', () => {
  const text = oml(
    ...HEADER,
    'params:',
    '  limit: {default: 10}',
    '  ratio: 0.5',
    '  flag: false',
    '  label: abc',
    '  empty: {default: null}',
    '  day: {description: "run day"}',
    'steps:',
    '  - id: calc',
    '    component: duckdb.processor',
    '    mode: transform',
    '    needs: []',
    '    config:',
    "      query: \"SELECT ${params.limit} AS n, '${params.label}' AS l, '${params.empty}' AS e, '${params.day}' AS d\"",
    '  - id: load',
    '    component: postgres.writer',
    '    mode: write',
    '    config:',
    '      table: "t_${params.day}"',
    '      batch_size: "${params.limit}"',
    '      create_table: "${params.flag}"',
  );
  const given = { cliParams: { day: '2024-05-01' } };

  it('keeps the YAML type for a value that is exactly one reference and renders references inside text', () => {
    const out = compile(text, given);
    expect(out.params).toEqual({
      limit: 10,
      ratio: 0.5,
      flag: false,
      label: 'abc',
      empty: null,
      day: '2024-05-01',
    });
    expect(out.cfgs.get('calc')?.config.query).toBe("SELECT 10 AS n, 'abc' AS l, '' AS e, '2024-05-01' AS d");
    const load = out.cfgs.get('load')?.config;
    expect(load?.batch_size).toBe(10);
    expect(load?.create_table).toBe(false);
    expect(load?.table).toBe('t_2024-05-01');
  });

  it('applies default < env OSIRIS_PARAM_<NAME> < --param, coercing strings to the default type', () => {
    const env = { OSIRIS_PARAM_LIMIT: '20', OSIRIS_PARAM_flag: 'true', OSIRIS_PARAM_LABEL: '42' };
    const fromEnv = compile(text, { ...given, env });
    expect(fromEnv.params).toMatchObject({ limit: 20, flag: true, label: '42' });
    expect(fromEnv.cfgs.get('load')?.config.batch_size).toBe(20);
    expect(fromEnv.cfgs.get('load')?.config.create_table).toBe(true);
    const fromCli = compile(text, { cliParams: { ...given.cliParams, limit: '30', ratio: '1e3' }, env });
    expect(fromCli.params).toMatchObject({ limit: 30, ratio: 1000, flag: true });
    // The day param has no default: the env can supply it too.
    expect(compile(text, { env: { OSIRIS_PARAM_DAY: 'd1' } }).params.day).toBe('d1');
  });

  it('reads the parameters it is given, never process.env', () => {
    process.env.OSIRIS_PARAM_LIMIT = '99';
    try {
      expect(compile(text, given).params.limit).toBe(10);
    } finally {
      delete process.env.OSIRIS_PARAM_LIMIT;
    }
  });

  it('changing a param changes params_fp and manifest_fp but not oml_fp', () => {
    const a = compile(text, given).manifest.pipeline.fingerprints;
    const b = compile(text, { cliParams: { ...given.cliParams, limit: '11' } }).manifest.pipeline
      .fingerprints;
    expect(b.oml_fp).toBe(a.oml_fp);
    expect(b.compiler_fp).toBe(a.compiler_fp);
    expect(b.registry_fp).toBe(a.registry_fp);
    expect(b.params_fp).not.toBe(a.params_fp);
    expect(b.manifest_fp).not.toBe(a.manifest_fp);
  });
});

describe('config', () => {
  it('fills spec defaults, keeps the connection reference and adds the meta keys', () => {
    const out = compile(MOVIES);
    expect(out.cfgs.get('extract-movies')?.config).toEqual({
      _component: 'filesystem.csv_extractor',
      _mode: 'read',
      _step: 'extract-movies',
      delimiter: ',',
      header: true,
      path: 'data/movies.csv',
    });
    expect(out.cfgs.get('extract-actors')?.config.delimiter).toBe(';');
    expect(out.cfgs.get('write-db')?.config).toEqual({
      _component: 'postgres.writer',
      _mode: 'write',
      _step: 'write-db',
      batch_size: 10000,
      connection: '@postgres.warehouse',
      create_table: false,
      primary_key: ['movie_id'],
      table: 'movies',
      write_mode: 'upsert',
    });
    const cfg = out.cfgs.get('write-db');
    expect(cfg?.path).toBe('cfg/write-db.json');
    expect(cfg?.text).toBe(writeCanonicalJson(cfg?.config));
  });

  it('accepts an empty config when the component requires nothing and a null secret-looking key', () => {
    const catalog = createTestCatalog() as Map<string, ComponentSpec>;
    catalog.set('test.noop', {
      ...DUCKDB_PROCESSOR,
      name: 'test.noop',
      modes: ['read'],
      configSchema: { type: 'object' },
    });
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: a',
      '    component: test.noop',
      '    mode: read',
      '    config: {token: null}',
    );
    expect(compile(text, { catalog }).cfgs.get('a')?.config).toEqual({
      _component: 'test.noop',
      _mode: 'read',
      _step: 'a',
      token: null,
    });
  });
});

describe('order and needs', () => {
  it('orders topologically with ties broken by declaration order, and resolves implicit needs', () => {
    const step = (id: string, component: string, mode: string, needs?: string) => [
      `  - id: ${id}`,
      `    component: ${component}`,
      `    mode: ${mode}`,
      ...(needs === undefined ? [] : [`    needs: [${needs}]`]),
      `    config: ${component === 'duckdb.processor' ? '{query: SELECT 1}' : component === 'postgres.writer' ? '{table: t}' : `{path: ${id}.csv}`}`,
    ];
    const text = oml(
      ...HEADER,
      'steps:',
      ...step('load', 'postgres.writer', 'write', 'join'),
      ...step('join', 'duckdb.processor', 'transform', 'read-b, read-a'),
      ...step('read-a', 'filesystem.csv_extractor', 'read'),
      ...step('read-b', 'filesystem.csv_extractor', 'read'),
      ...step('save', 'filesystem.csv_writer', 'write'),
    );
    const out = compile(text);
    const { manifest } = out;
    expect(manifest.steps.map((s) => [s.id, s.needs])).toEqual([
      ['read-a', []],
      ['read-b', []],
      ['join', ['read-b', 'read-a']],
      ['load', ['join']],
      ['save', ['read-b']],
    ]);
    expect(manifest.steps[4]).toEqual({
      id: 'save',
      component: 'filesystem.csv_writer',
      driver: 'filesystem.csv_writer',
      mode: 'write',
      needs: ['read-b'],
      cfg_path: 'cfg/save.json',
      cfg_fp: createFingerprint(out.cfgs.get('save')?.text ?? ''),
    });
  });
});

describe('manifest', () => {
  it('is byte-identical across compiles, whatever the catalog insertion order', () => {
    const a = compile(MOVIES);
    const reversed = new Map([...createTestCatalog()].reverse());
    const b = compile(MOVIES, { catalog: reversed });
    expect(b.manifestText).toBe(a.manifestText);
    expect([...b.cfgs.values()].map((c) => c.text)).toEqual([...a.cfgs.values()].map((c) => c.text));
    expect(b.manifestShort).toBe(a.manifestShort);
  });

  it('records meta, pipeline id and the fingerprints of its inputs', () => {
    const out = compile(MOVIES, { profile: 'staging' });
    const { meta, pipeline } = out.manifest;
    expect(meta).toEqual({ oml_version: '0.1.0', compiler_version: '0.1.0-test', profile: 'staging' });
    expect(compile(MOVIES).manifest.meta.profile).toBe('default');
    expect(pipeline.id).toBe('movies-etl');
    expect(out.pipelineId).toBe('movies-etl');
    expect(pipeline.name).toBe('Movies ETL');
    expect(pipeline.fingerprints.oml_fp).toBe(createFingerprint(MOVIES));
    expect(pipeline.fingerprints.compiler_fp).toBe(createFingerprint('0.1.0-test'));
    expect(pipeline.fingerprints.params_fp).toBe(createFingerprint(writeCanonicalJson(out.params)));
    expect(out.manifestShort).toMatch(/^[0-9a-f]{12}$/);
    expect(pipeline.fingerprints.manifest_fp.startsWith(`sha256:${out.manifestShort}`)).toBe(true);
    // Each step records its cfg's sha256, and manifest_fp covers those records.
    for (const s of out.manifest.steps)
      expect(s.cfg_fp).toBe(createFingerprint(out.cfgs.get(s.id)?.text ?? ''));
    expect(createManifestFingerprint(out.manifest)).toBe(pipeline.fingerprints.manifest_fp);
    expect([...out.cfgs.keys()]).toEqual(out.manifest.steps.map((s) => s.id));
  });

  it('writes sorted keys at every depth and no source path, clock or absolute path', () => {
    const out = compile(MOVIES);
    expect(out.manifestText.split('\n').slice(0, 4)).toEqual([
      'meta:',
      '  compiler_version: 0.1.0-test',
      '  oml_version: 0.1.0',
      '  profile: default',
    ]);
    expect(out.manifestText).toMatch(
      /\n {2}- cfg_fp: sha256:[0-9a-f]{64}\n {4}cfg_path: cfg\/extract-movies.json\n {4}component: filesystem.csv_extractor\n/,
    );
    const everything = out.manifestText + [...out.cfgs.values()].map((c) => c.text).join('');
    expect(everything).not.toContain(FILE);
    expect(everything).not.toContain(process.cwd());
    expect(everything).not.toMatch(/20\d\d-\d\d-\d\dT/);
  });

  it('changes registry_fp and manifest_fp when any spec of the catalog changes, even an unused one', () => {
    const base = compile(MOVIES).manifest.pipeline.fingerprints;
    const catalog = createTestCatalog() as Map<string, ComponentSpec>;
    catalog.set('extra.unused', { ...CSV_EXTRACTOR, name: 'extra.unused' });
    const other = compile(MOVIES, { catalog }).manifest.pipeline.fingerprints;
    expect(other.registry_fp).not.toBe(base.registry_fp);
    expect(other.manifest_fp).not.toBe(base.manifest_fp);
    expect(other.oml_fp).toBe(base.oml_fp);
  });

  it('changes the cfg and manifest_fp when a spec default changes', () => {
    const catalog = createTestCatalog() as Map<string, ComponentSpec>;
    const schema = structuredClone(POSTGRES_WRITER.configSchema) as {
      properties: { batch_size: { default: number } };
    };
    schema.properties.batch_size.default = 500;
    catalog.set('postgres.writer', { ...POSTGRES_WRITER, configSchema: schema });
    const out = compile(MOVIES, { catalog });
    expect(out.cfgs.get('write-db')?.config.batch_size).toBe(500);
    expect(out.manifest.pipeline.fingerprints.manifest_fp).not.toBe(
      compile(MOVIES).manifest.pipeline.fingerprints.manifest_fp,
    );
  });

  it('changes compiler_fp with the compiler version', () => {
    const a = compile(MOVIES).manifest.pipeline.fingerprints;
    const b = compile(MOVIES, { compilerVersion: '0.2.0' }).manifest.pipeline.fingerprints;
    expect(b.compiler_fp).not.toBe(a.compiler_fp);
    expect(b.manifest_fp).not.toBe(a.manifest_fp);
  });
});

describe('docs/oml-reference.md', () => {
  it('its first example compiles', () => {
    const doc = readFileSync(new URL('../../docs/oml-reference.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const out = compile(example);
    expect(out.manifest.steps.map((s) => `${s.id}<-${s.needs.join('+')}`)).toEqual([
      'extract-movies<-',
      'recent<-extract-movies',
      'write-csv<-recent',
      'write-db<-recent',
    ]);
    expect(out.cfgs.get('write-csv')?.config.path).toBe('out/recent.csv');
  });
});
