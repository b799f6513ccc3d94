// A finding that makes later checks meaningless is reported once, at its root: the later checks stay quiet
// for that param or step instead of adding findings that contradict it.
import { describe, expect, it } from 'vitest';
import { FILE, HEADER, oml, refuse } from './compile-support.js';

const EXTRACT = [
  '  - id: extract',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      path: data/movies.csv',
];

describe('a refused param value is the only finding about that param', () => {
  it('--param limit=ten for a number default: no "unknown param" at the reference', () => {
    const text = oml(
      ...HEADER,
      'params:',
      '  limit: { default: 10 }',
      '  label: { default: x }',
      'steps:',
      ...EXTRACT,
      '  - id: top',
      '    component: duckdb.processor',
      '    mode: transform',
      '    config:',
      '      query: "SELECT * FROM input_df LIMIT ${params.limit}"',
    );
    expect(refuse(text, 'compile_error', { cliParams: { limit: 'ten' } })).toEqual([
      `${FILE}:4:3: params.limit: --param limit=ten: expected a number (the default 10 is a number)`,
    ]);
  });

  it('a refused value in a typed config key adds no schema complaint about the leftover reference', () => {
    const text = oml(
      ...HEADER,
      'params:',
      '  batch: { default: 500 }',
      'steps:',
      ...EXTRACT,
      '  - id: load',
      '    component: postgres.writer',
      '    mode: write',
      '    config:',
      '      connection: "@postgres.main"',
      '      table: movies',
      '      batch_size: "${params.batch}"',
    );
    expect(refuse(text, 'compile_error', { env: { OSIRIS_PARAM_BATCH: 'many' } })).toEqual([
      `${FILE}:4:3: params.batch: OSIRIS_PARAM_BATCH=many: expected a number (the default 500 is a number)`,
    ]);
  });

  it('an unknown param in a typed key is reported once, without "must be integer"', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: load',
      '    component: postgres.writer',
      '    mode: write',
      '    config:',
      '      table: movies',
      '      batch_size: "${params.batch}"',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.batch_size: unknown param 'batch' in '\${params.batch}' (the pipeline declares no params)`,
    ]);
  });
});

describe('a mode the component refuses is the only finding about the mode', () => {
  it('an extractor marked write as the first step: no "a write step needs an input"', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: extract',
      '    component: filesystem.csv_extractor',
      '    mode: write',
      '    config:',
      '      path: data/movies.csv',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:6:11: steps[0] (id: extract).mode: mode 'write' is not allowed for component 'filesystem.csv_extractor' (allowed: read)`,
    ]);
  });

  it('a writer marked read with needs: no "a read step takes no inputs"', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: write',
      '    component: filesystem.csv_writer',
      '    mode: read',
      '    needs: [extract]',
      '    config:',
      '      path: out.csv',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:11:11: steps[1] (id: write).mode: mode 'read' is not allowed for component 'filesystem.csv_writer' (allowed: write)`,
    ]);
  });

  it('a sound mode still gets the needs check (the suppression is narrow)', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: write',
      '    component: filesystem.csv_writer',
      '    mode: write',
      '    config:',
      '      path: out.csv',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:6:11: steps[0] (id: write).mode: a write step needs an input, but it is the first step and has no needs (add needs: [<step id>] or move it after the step it reads)`,
    ]);
  });
});
