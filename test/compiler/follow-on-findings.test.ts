// A finding that makes later checks meaningless is reported once, at its root: the later checks stay quiet
// for that param or step instead of adding findings that contradict it.
import { describe, expect, it } from 'vitest';
import type { CompileInput } from '../../src/compiler/index.js';
import { FILE, HEADER, oml, refuse } from './compile-support.js';

const EXTRACT = [
  '  - id: extract',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      path: data/movies.csv',
];

/** A step of `component` in `mode` with these extra lines (needs:, config:) after the mode. */
function step(id: string, component: string, mode: string, ...rest: string[]): string[] {
  return [`  - id: ${id}`, `    component: ${component}`, `    mode: ${mode}`, ...rest];
}

interface Case {
  /** What the case shows. */
  title: string;
  /** OML lines after HEADER (line numbers in `expected` count HEADER's lines too). */
  lines: string[];
  /** Params and environment of the compile. */
  input?: Partial<CompileInput>;
  /** The one finding. */
  expected: string;
}

const PARAM_CASES: Case[] = [
  {
    title: '--param limit=ten for a number default: no "unknown param" at the reference',
    lines: [
      'params:',
      '  limit: { default: 10 }',
      '  label: { default: x }',
      'steps:',
      ...EXTRACT,
      ...step('top', 'duckdb.processor', 'transform', '    config:'),
      '      query: "SELECT * FROM input_df LIMIT ${params.limit}"',
    ],
    input: { cliParams: { limit: 'ten' } },
    expected: `${FILE}:4:3: params.limit: --param limit=ten: expected a number (the default 10 is a number)`,
  },
  {
    title: 'a refused value in a typed config key adds no schema complaint about the leftover reference',
    lines: [
      'params:',
      '  batch: { default: 500 }',
      'steps:',
      ...EXTRACT,
      ...step('load', 'postgres.writer', 'write', '    config:', '      connection: "@postgres.main"'),
      '      table: movies',
      '      batch_size: "${params.batch}"',
    ],
    input: { env: { OSIRIS_PARAM_BATCH: 'many' } },
    expected: `${FILE}:4:3: params.batch: OSIRIS_PARAM_BATCH=many: expected a number (the default 500 is a number)`,
  },
  {
    title: 'an unknown param in a typed key is reported once, without "must be integer"',
    lines: [
      'steps:',
      ...EXTRACT,
      ...step('load', 'postgres.writer', 'write', '    config:', '      table: movies'),
      '      batch_size: "${params.batch}"',
    ],
    expected: `${FILE}:14:19: steps[1] (id: load).config.batch_size: unknown param 'batch' in '\${params.batch}' (the pipeline declares no params)`,
  },
];

const MODE_CASES: Case[] = [
  {
    title: 'an extractor marked write as the first step: no "a write step needs an input"',
    lines: [
      'steps:',
      ...step('extract', 'filesystem.csv_extractor', 'write', '    config:', '      path: data/movies.csv'),
    ],
    expected: `${FILE}:6:11: steps[0] (id: extract).mode: mode 'write' is not allowed for component 'filesystem.csv_extractor' (allowed: read)`,
  },
  {
    title: 'a writer marked read with needs: no "a read step takes no inputs"',
    lines: [
      'steps:',
      ...EXTRACT,
      ...step(
        'write',
        'filesystem.csv_writer',
        'read',
        '    needs: [extract]',
        '    config:',
        '      path: out.csv',
      ),
    ],
    expected: `${FILE}:11:11: steps[1] (id: write).mode: mode 'read' is not allowed for component 'filesystem.csv_writer' (allowed: write)`,
  },
  {
    title: 'a sound mode still gets the needs check (the suppression is narrow)',
    lines: [
      'steps:',
      ...step('write', 'filesystem.csv_writer', 'write', '    config:', '      path: out.csv'),
    ],
    expected: `${FILE}:6:11: steps[0] (id: write).mode: a write step needs an input, but it is the first step and has no needs (add needs: [<step id>] or move it after the step it reads)`,
  },
];

describe('a refused param value is the only finding about that param', () => {
  it.each(PARAM_CASES)('$title', ({ lines, input, expected }) => {
    expect(refuse(oml(...HEADER, ...lines), 'compile_error', input)).toEqual([expected]);
  });
});

describe('a mode the component refuses is the only finding about the mode', () => {
  it.each(MODE_CASES)('$title', ({ lines, input, expected }) => {
    expect(refuse(oml(...HEADER, ...lines), 'compile_error', input)).toEqual([expected]);
  });
});
