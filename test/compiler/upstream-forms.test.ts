// OML forms that pipelines written for the upstream Python Osiris use (fixtures of our own, in its shape):
// top-level description and metadata, quoted ids in needs, primary_key as a string or a list,
// `connection: "@filesystem.<alias>"` and `parse_dates` on the file components, and `quotechar`, refused
// (as upstream's own compiler refuses it) with the key this project uses instead.
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/api/compile-pipeline.js';
import { createDriverTable } from '../../src/api/driver-table.js';
import { parseManifest, verifyManifest, createRegistryFingerprint } from '../../src/compiler/index.js';
import { FILE, compile, oml, refuse } from './compile-support.js';

const catalog = createCatalog(createDriverTable());

const UPSTREAM_SHAPED = oml(
  'oml_version: "0.1.0"',
  'name: mysql-to-supabase-all-tables',
  'description: "Exports all tables."',
  'metadata:',
  '  intent: "Move data from MySQL to Supabase"',
  '  owner: { team: data, oncall: [ana, bo] }',
  '',
  'steps:',
  '- id: extract-actors',
  '  component: mysql.extractor',
  '  mode: read',
  '  config:',
  '    connection: "@mysql.db_movies"',
  '    query: "SELECT * FROM actors"',
  '- id: write-actors',
  '  component: supabase.writer',
  '  mode: write',
  '  needs: [ "extract-actors" ]',
  '  config:',
  '    connection: "@supabase.main"',
  '    table: actors',
  '    write_mode: replace',
  '    primary_key: ["actor_id"]',
  '- id: write-actors-again',
  '  component: postgres.writer',
  '  mode: write',
  "  needs: [ 'extract-actors' ]",
  '  config:',
  '    table: actors_copy',
  '    write_mode: upsert',
  '    primary_key: actor_id',
);

describe('upstream OML forms that are accepted', () => {
  it('description and metadata are kept in the manifest; no step cfg holds them', () => {
    const out = compile(UPSTREAM_SHAPED, { catalog });
    expect(out.manifest.pipeline.description).toBe('Exports all tables.');
    expect(out.manifest.pipeline.metadata).toEqual({
      intent: 'Move data from MySQL to Supabase',
      owner: { team: 'data', oncall: ['ana', 'bo'] },
    });
    for (const cfg of out.cfgs.values()) expect(cfg.text).not.toMatch(/intent|Exports all/);
    expect(out.manifest.steps.map((s) => [s.id, s.needs])).toEqual([
      ['extract-actors', []],
      ['write-actors', ['extract-actors']],
      ['write-actors-again', ['extract-actors']],
    ]);
    expect(out.cfgs.get('write-actors')?.config.primary_key).toEqual(['actor_id']);
    expect(out.cfgs.get('write-actors-again')?.config.primary_key).toBe('actor_id');
  });

  it('a manifest with them reads back and verifies; without them it has neither key', () => {
    const out = compile(UPSTREAM_SHAPED, { catalog });
    const parsed = parseManifest(out.manifestText, 'manifest.yaml');
    expect(parsed.pipeline.metadata).toEqual(out.manifest.pipeline.metadata);
    const cfgs = new Map([...out.cfgs].map(([id, c]) => [id, Buffer.from(c.text)]));
    const verify = (): void =>
      verifyManifest({
        manifest: parsed,
        manifestText: out.manifestText,
        manifestFile: 'manifest.yaml',
        cfgs,
        describeCfg: (p) => p,
        registryFp: createRegistryFingerprint(catalog),
      });
    expect(verify).not.toThrow();
    const plain = compile(UPSTREAM_SHAPED.replace(/^(description|metadata):.*\n( {2}.*\n)*/gm, ''), {
      catalog,
    });
    expect(plain.manifestText).not.toMatch(/description|metadata/);
  });

  it('description must be a string and metadata a mapping, said where', () => {
    const text = UPSTREAM_SHAPED.replace('description: "Exports all tables."', 'description: [a]').replace(
      /metadata:\n( {2}.*\n)*/,
      'metadata: just text\n',
    );
    expect(refuse(text, 'oml_invalid', { catalog })).toEqual([
      `${FILE}:3:14: description: description must be a string`,
      `${FILE}:4:11: metadata: metadata must be a mapping (e.g. metadata: { owner: data-team })`,
    ]);
  });
});

describe('upstream forms that are refused', () => {
  it('quotechar on the CSV writer and extractor: refused with the key this project uses', () => {
    const text = oml(
      'oml_version: "0.1.0"',
      'name: tee',
      'steps:',
      '- id: extract',
      '  component: filesystem.csv_extractor',
      '  mode: read',
      '  config:',
      '    path: in.csv',
      "    quotechar: '\"'",
      '- id: tee',
      '  component: filesystem.csv_writer',
      '  mode: write',
      '  needs: [extract]',
      '  config:',
      '    path: out.csv',
      "    quotechar: '\"'",
    );
    const findings = refuse(text, 'compile_error', { catalog });
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(
      new RegExp(
        `^${FILE}:9:5: steps\\[0\\] \\(id: extract\\)\\.config\\.quotechar: unknown config key 'quotechar' .*; did you mean 'quote'\\?$`,
      ),
    );
    expect(findings[1]).toMatch(
      /^pipelines\/x\.yaml:16:5: .*unknown config key 'quotechar' .*; did you mean 'quoting'\?$/,
    );
  });
});

const FILESYSTEM_SHAPED = oml(
  'oml_version: "0.1.0"',
  'name: process-exports',
  'steps:',
  '  - id: extract-customers',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: customers.csv          # under the base_dir of @filesystem.exports',
  '      parse_dates: ["created_at"]',
  '',
  '  - id: extract-orders',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: orders.csv',
  '',
  '  - id: write-customers',
  '    component: filesystem.csv_writer',
  '    mode: write',
  '    needs: ["extract-customers"]',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: out/customers.csv',
  '  - id: write-orders',
  '    component: filesystem.parquet_writer',
  '    mode: write',
  '    needs: ["extract-orders"]',
  '    config:',
  '      connection: "@filesystem.exports"',
  '      path: out/orders.parquet',
);

describe('upstream filesystem connections and parse_dates', () => {
  it('compile keeps the @filesystem reference and parse_dates in the cfg, nothing resolved, deterministically', () => {
    const out = compile(FILESYSTEM_SHAPED, { catalog });
    const customers = out.cfgs.get('extract-customers')?.config;
    expect(customers).toMatchObject({
      connection: '@filesystem.exports',
      path: 'customers.csv',
      parse_dates: ['created_at'],
    });
    expect(out.cfgs.get('write-customers')?.config).toMatchObject({
      connection: '@filesystem.exports',
      path: 'out/customers.csv',
    });
    expect(out.cfgs.get('write-orders')?.config.connection).toBe('@filesystem.exports');
    // the compile never reads a connections file: no base_dir anywhere
    for (const cfg of out.cfgs.values()) expect(cfg.text).not.toMatch(/base_dir|data\/exports/);
    const again = compile(FILESYSTEM_SHAPED, { catalog });
    expect(again.manifestText).toBe(out.manifestText);
    expect([...again.cfgs].map(([id, c]) => [id, c.text])).toEqual(
      [...out.cfgs].map(([id, c]) => [id, c.text]),
    );
  });

  it('parse_dates agreeing with columns compiles (TIMESTAMP or DATETIME)', () => {
    const text = FILESYSTEM_SHAPED.replace(
      '      parse_dates: ["created_at"]\n',
      '      parse_dates: ["created_at"]\n      columns:\n        - { name: id, type: INTEGER }\n        - { name: created_at, type: timestamp }\n',
    );
    expect(compile(text, { catalog }).cfgs.get('extract-customers')?.config.columns).toHaveLength(2);
  });

  it('each bad form is refused at its position', () => {
    const text = oml(
      'oml_version: "0.1.0"',
      'name: bad-forms',
      'steps:',
      '  - id: absolute',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    config:',
      '      connection: "@filesystem.exports"',
      '      path: /srv/exports/customers.csv',
      '  - id: typed',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    config:',
      '      path: customers.csv',
      '      parse_dates: [created_at, signup]',
      '      columns:',
      '        - { name: created_at, type: DATE }',
      '  - id: escape',
      '    component: filesystem.csv_writer',
      '    mode: write',
      '    needs: [typed]',
      '    config:',
      '      connection: "@filesystem.exports"',
      '      path: ../../elsewhere.csv',
      '  - id: family',
      '    component: filesystem.parquet_writer',
      '    mode: write',
      '    needs: [typed]',
      '    config:',
      '      connection: "@mysql.exports"',
      '      path: out.parquet',
      '  - id: not-a-list',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    config:',
      '      path: customers.csv',
      '      parse_dates: created_at',
    );
    expect(refuse(text, 'compile_error', { catalog })).toEqual([
      `${FILE}:9:13: steps[0] (id: absolute).config.path: path '/srv/exports/customers.csv' is absolute, but connection '@filesystem.exports' makes it relative to that connection's base_dir; give a path inside base_dir, or drop connection`,
      `${FILE}:15:21: steps[1] (id: typed).config.parse_dates[0]: parse_dates reads 'created_at' as TIMESTAMP, but columns declares it DATE; drop it from one of them`,
      `${FILE}:15:33: steps[1] (id: typed).config.parse_dates[1]: parse_dates names 'signup', which columns does not declare (columns: created_at)`,
      `${FILE}:24:13: steps[2] (id: escape).config.path: path '../../elsewhere.csv' leaves base_dir, but connection '@filesystem.exports' makes it relative to that connection's base_dir; give a path inside base_dir, or drop connection`,
      `${FILE}:30:19: steps[3] (id: family).config.connection: connection family mismatch: '@mysql.exports' is a mysql connection, but component 'filesystem.parquet_writer' accepts: filesystem`,
      expect.stringMatching(
        new RegExp(`^${FILE}:37:20: steps\\[4\\] \\(id: not-a-list\\)\\.config\\.parse_dates: .*array`),
      ),
    ]);
  });

  it('a path without a connection may still be absolute (project-relative paths are unchanged)', () => {
    const text = FILESYSTEM_SHAPED.replace(
      '      connection: "@filesystem.exports"\n      path: customers.csv',
      '      path: /srv/customers.csv',
    );
    expect(compile(text, { catalog }).cfgs.get('extract-customers')?.config).not.toHaveProperty('connection');
  });

  it('a file writer that takes a filesystem connection is still no database writer for chunk_rows', () => {
    const text = oml(
      'oml_version: "0.1.0"',
      'name: chunks-to-file',
      'steps:',
      '  - id: extract',
      '    component: mysql.extractor',
      '    mode: read',
      '    config:',
      '      connection: "@mysql.src"',
      '      table: orders',
      '      chunk_rows: 1000',
      '      incremental: { cursor: updated_at, primary_key: id }',
      '  - id: save',
      '    component: filesystem.csv_writer',
      '    mode: write',
      '    needs: [extract]',
      '    config:',
      '      connection: "@filesystem.exports"',
      '      path: orders.csv',
    );
    expect(refuse(text, 'compile_error', { catalog })).toEqual([
      expect.stringMatching(
        /^pipelines\/x\.yaml:10:7: .*chunk_rows is read by 'save', which is not a database writer; each chunk must commit in a database transaction$/,
      ),
    ]);
  });
});

describe('schema-qualified table names', () => {
  it('refuses table: public.events on database components (it would name a table "public.events")', () => {
    const text = oml(
      'oml_version: "0.1.0"',
      'name: dotted',
      'steps:',
      '  - id: extract',
      '    component: postgres.extractor',
      '    mode: read',
      '    config: { connection: "@postgres.src", table: public.events }',
      '  - id: load',
      '    component: mysql.writer',
      '    mode: write',
      '    config: { connection: "@mysql.dst", table: "shop.orders", schema: shop }',
    );
    const why = (table: string, schema: string, name: string) =>
      `table '${table}' holds a dot, but a table name is used as it is (quoted), so this would be a table named '${table}'; give the schema apart: schema: ${schema} and table: ${name}`;
    expect(refuse(text, 'compile_error', { catalog })).toEqual([
      `${FILE}:7:51: steps[0] (id: extract).config.table: ${why('public.events', 'public', 'events')}`,
      `${FILE}:11:48: steps[1] (id: load).config.table: ${why('shop.orders', 'shop', 'orders')}`,
    ]);
  });
});
