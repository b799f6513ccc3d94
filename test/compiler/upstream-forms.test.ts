// OML forms that pipelines written for the upstream Python Osiris use (fixtures of our own, in its shape):
// top-level description and metadata, quoted ids in needs, primary_key as a string or a list, and
// `quotechar`, refused (as upstream's own compiler refuses it) with the key this project uses instead.
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
