// A small component catalog for compiler tests, shaped like the real specs (the compiler takes the catalog as a parameter).
import type { ComponentCatalog, ComponentSpec } from '../../src/core/component-spec.js';

function defineSpec(
  spec: Omit<ComponentSpec, 'version' | 'title' | 'pathKeys' | 'runtimeDependencies' | 'example'> &
    Partial<ComponentSpec>,
): ComponentSpec {
  return { version: '1.0.0', title: spec.name, pathKeys: [], runtimeDependencies: [], example: {}, ...spec };
}

export const CSV_EXTRACTOR = defineSpec({
  name: 'filesystem.csv_extractor',
  modes: ['read'],
  secrets: [],
  connectionFamilies: [],
  pathKeys: ['path'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1 },
      delimiter: { type: 'string', default: ',' },
      header: { type: 'boolean', default: true },
    },
  },
});

export const DUCKDB_PROCESSOR = defineSpec({
  name: 'duckdb.processor',
  modes: ['transform'],
  secrets: [],
  connectionFamilies: [],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['query'],
    properties: { query: { type: 'string' } },
  },
});

export const CSV_WRITER = defineSpec({
  name: 'filesystem.csv_writer',
  modes: ['write'],
  secrets: [],
  connectionFamilies: [],
  pathKeys: ['path'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string' },
      delimiter: { type: 'string', default: ',' },
    },
  },
});

export const POSTGRES_WRITER = defineSpec({
  name: 'postgres.writer',
  modes: ['write'],
  secrets: ['password'],
  connectionFamilies: ['postgres'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['table'],
    properties: {
      connection: { type: 'string' },
      table: { type: 'string' },
      write_mode: { enum: ['append', 'replace', 'upsert'], default: 'append' },
      primary_key: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      batch_size: { type: 'integer', minimum: 1, default: 10000 },
      create_table: { type: 'boolean', default: true },
      options: {
        type: 'object',
        additionalProperties: false,
        properties: { search_path: { type: 'string' }, api_key: { type: 'string' } },
      },
    },
  },
});

/** A fresh catalog (a Map, like the real one). */
export function createTestCatalog(): ComponentCatalog {
  return new Map([CSV_EXTRACTOR, DUCKDB_PROCESSOR, CSV_WRITER, POSTGRES_WRITER].map((s) => [s.name, s]));
}
