// Which connection a step uses is decided once (selectStepConnection: the cfg's @family.alias, or the
// default of the component's first family), and each connection of a run is resolved once on the host;
// a failure is kept and thrown, as it was, when a step asks for that connection.
import { describe, expect, it } from 'vitest';
import { createDriverTable } from '../../src/api/driver-table.js';
import { resolveRunConnections } from '../../src/api/resolve-run-connections.js';
import type { Manifest, ResolvedConnection } from '../../src/core/index.js';
import { OsirisError, selectStepConnection } from '../../src/core/index.js';
import { parseStepConfig } from '../../src/runtime/parse-step-config.js';

const step = (id: string, driver: string) => ({
  id,
  component: driver,
  driver,
  mode: 'read' as const,
  needs: [],
  cfg_path: `cfg/${id}.json`,
  cfg_fp: 'sha256:0',
});

describe('selectStepConnection', () => {
  it('takes the reference, else the first family default, and nothing for components without one', () => {
    expect(selectStepConnection({ connection: '@postgres.main' }, ['postgres', 'supabase'])).toEqual({
      family: 'postgres',
      alias: 'main',
      ref: '@postgres.main',
    });
    expect(selectStepConnection({}, ['mysql'])).toEqual({ family: 'mysql', alias: undefined, ref: '@mysql' });
    expect(selectStepConnection({ connection: '@mysql.x' }, [])).toBeUndefined();
  });
});

describe('resolveRunConnections', () => {
  it('resolves each connection once and keeps failures for the steps that use them', () => {
    const manifest = {
      steps: [
        step('a', 'postgres.extractor'),
        step('b', 'postgres.writer'),
        step('c', 'mysql.extractor'),
        step('d', 'duckdb.processor'),
      ],
    } as unknown as Manifest;
    const configs = new Map([
      ['a', parseStepConfig('{"_step":"a","connection":"@postgres.main","query":"SELECT 1"}')],
      ['b', parseStepConfig('{"connection":"@postgres.main","table":"t"}')],
      ['c', parseStepConfig('{"table":"t"}')],
      ['d', parseStepConfig('{"query":"SELECT 1"}')],
    ]);
    const asked: string[] = [];
    const failure = new OsirisError('connection_error', 'no default mysql connection');
    const connections = resolveRunConnections(manifest, configs, createDriverTable(), (family, alias) => {
      asked.push(`${family}.${alias ?? '*default'}`);
      if (family === 'mysql') throw failure;
      return {
        family,
        alias: alias ?? 'x',
        fields: { password: 'pw' },
        secrets: ['pw'],
      } as ResolvedConnection;
    });
    expect(asked).toEqual(['postgres.main', 'mysql.*default']);
    expect(connections.secrets).toEqual(['pw']);
    expect([...connections.errors]).toEqual([
      ['mysql.*default', { code: 'connection_error', message: 'no default mysql connection' }],
    ]);
    expect(connections.lookup('postgres', 'main').alias).toBe('main');
    expect(() => connections.lookup('mysql', undefined)).toThrow(failure);
    expect(() => connections.lookup('postgres', 'other')).toThrow(
      'connection @postgres.other was not resolved for this run',
    );
    expect(configs.get('a')?.metaKeys).toEqual(['_step']);
  });
});
