// One test per compile refusal (docs/oml-reference.md, Refusals): exact message, file:line:col and step path.
import { describe, expect, it } from 'vitest';
import { FILE, HEADER, compile, oml, refuse } from './compile-support.js';

const EXTRACT = [
  '  - id: extract-movies',
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config:',
  '      path: data/movies.csv',
];

describe('YAML and top-level shape (oml_invalid)', () => {
  it('refuses malformed YAML at the opening of the unclosed quote, once', () => {
    const text = oml(...HEADER, 'steps:', '  - id: a', '    config: {path: "x}');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:5:20: unclosed double quote: the value that starts here never ends (add the closing " on this line)`,
    ]);
  });

  it('refuses a bad indentation at the mis-indented line', () => {
    const text = oml(...HEADER, 'steps:', '  - id: a', '    mode: read', '     config: {}');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:6:6: 'config' is indented deeper than 'mode' on line 5, which already has a value (start it at column 5, like 'mode')`,
    ]);
  });

  it('refuses a duplicate key', () => {
    const text = oml('oml_version: "0.1.0"', 'name: movies', 'name: films', 'steps:', ...EXTRACT);
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:3:1: duplicate key 'name' (each key may appear once in a mapping)`,
    ]);
  });

  it('refuses a file with two YAML documents', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT, '---', 'name: other');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:9:1: the file holds more than one YAML document (expected exactly one)`,
    ]);
  });

  it('refuses an alias inside its own anchor (a cycle), wherever it sits; a plain alias still works', () => {
    const why = 'a pipeline is a tree, so an alias may only repeat a node defined outside it';
    const metadata = oml(...HEADER, 'metadata: &b {a: [*b]}', 'steps:', ...EXTRACT);
    expect(refuse(metadata, 'oml_invalid')).toEqual([
      `${FILE}:3:19: alias *b refers to the anchor &b that contains it; ${why}`,
    ]);
    const step = oml(
      ...HEADER,
      'steps:',
      '  - &s',
      ...EXTRACT.slice(0, 4).map((l) => l.replace('  - ', '    ')),
      '      columns: [*s]',
    );
    expect(refuse(step, 'oml_invalid')).toEqual([
      `${FILE}:9:17: alias *s refers to the anchor &s that contains it; ${why}`,
    ]);
    const reused = oml(...HEADER, 'metadata: {owner: &o data-team, also: *o}', 'steps:', ...EXTRACT);
    expect(compile(reused).manifest.steps).toHaveLength(1);
  });

  it('refuses aliases that multiply into too many copies (an alias bomb), in words', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, from] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ])
      levels.push(`${name}: &${name} [${Array(10).fill(`*${from}`).join(', ')}]`);
    const text = oml(...HEADER, 'metadata:', ...levels.map((l) => `  ${l}`), 'steps:', ...EXTRACT);
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:1:1: the aliases (*name) expand into too many copies of their anchors (aliases of aliases multiply); repeat fewer nodes by alias`,
    ]);
  });

  it('refuses a top level that is not a mapping', () => {
    expect(refuse(oml('- just', '- a list'), 'oml_invalid')).toEqual([
      `${FILE}:1:1: expected a YAML mapping with oml_version, name and steps at the top level`,
    ]);
  });

  it('refuses a missing oml_version', () => {
    const text = oml('name: movies', 'steps:', ...EXTRACT);
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:1:1: oml_version: missing required key 'oml_version' (expected oml_version: "0.1.0")`,
    ]);
  });

  it('refuses another oml_version, and a number in its place', () => {
    expect(refuse(oml('oml_version: "0.2.0"', 'name: movies', 'steps:', ...EXTRACT), 'oml_invalid')).toEqual([
      `${FILE}:1:14: oml_version: unsupported oml_version '0.2.0' (expected the string "0.1.0")`,
    ]);
    expect(refuse(oml('oml_version: 0.1', 'name: movies', 'steps:', ...EXTRACT), 'oml_invalid')).toEqual([
      `${FILE}:1:14: oml_version: unsupported oml_version 0.1 (number) (expected the string "0.1.0")`,
    ]);
  });

  it('refuses a missing or empty name', () => {
    expect(refuse(oml('oml_version: "0.1.0"', 'steps:', ...EXTRACT), 'oml_invalid')).toEqual([
      `${FILE}:1:1: name: missing required key 'name' (a non-empty string naming the pipeline)`,
    ]);
    expect(refuse(oml('oml_version: "0.1.0"', 'name: "  "', 'steps:', ...EXTRACT), 'oml_invalid')).toEqual([
      `${FILE}:2:7: name: name must be a non-empty string`,
    ]);
  });

  it('refuses a name that gives an empty pipeline id', () => {
    expect(refuse(oml('oml_version: "0.1.0"', 'name: "!!!"', 'steps:', ...EXTRACT), 'oml_invalid')).toEqual([
      `${FILE}:2:7: name: name '!!!' gives an empty pipeline id (use at least one letter or digit)`,
    ]);
  });

  it('refuses an unknown top-level key with a suggestion, and the missing steps it hides', () => {
    const text = oml(...HEADER, 'step:', ...EXTRACT);
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:1:1: steps: missing required key 'steps' (a non-empty list of steps)`,
      `${FILE}:3:1: step: unknown top-level key 'step' (expected one of: oml_version, name, description, metadata, params, steps); did you mean 'steps'?`,
    ]);
  });

  it('refuses empty steps and steps that are not a list', () => {
    expect(refuse(oml(...HEADER, 'steps: []'), 'oml_invalid')).toEqual([
      `${FILE}:3:8: steps: steps must not be empty (expected at least one step)`,
    ]);
    expect(refuse(oml(...HEADER, 'steps:', '  id: a'), 'oml_invalid')).toEqual([
      `${FILE}:4:3: steps: steps must be a list of steps`,
    ]);
  });

  it('refuses malformed params', () => {
    const text = oml(
      ...HEADER,
      'params:',
      '  1bad: x',
      '  rows: [1, 2]',
      '  mode: {default: a, kind: b}',
      'steps:',
      ...EXTRACT,
    );
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:4:3: params.1bad: invalid param name '1bad' (expected letters, digits and '_', not starting with a digit)`,
      `${FILE}:5:9: params.rows: a param must be NAME: VALUE or NAME: {default: VALUE} with a string, number, boolean or null`,
      `${FILE}:6:22: params.mode.kind: unknown param key 'kind' (expected one of: default, description)`,
    ]);
  });
});

describe('step shape (oml_invalid)', () => {
  it('refuses an unknown step key with a suggestion', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 3), '    confg:', '      path: x');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:4:5: steps[0] (id: extract-movies).config.path: missing required config key 'path' (required keys: path)`,
      `${FILE}:7:5: steps[0] (id: extract-movies).confg: unknown step key 'confg' (expected one of: id, component, mode, needs, config); did you mean 'config'?`,
    ]);
  });

  it('refuses a step that is not a mapping', () => {
    expect(refuse(oml(...HEADER, 'steps:', '  - extract-movies'), 'oml_invalid')).toEqual([
      `${FILE}:4:5: steps[0]: each step must be a mapping with id, component, mode and config`,
    ]);
  });

  it('refuses a step id outside ^[a-z0-9][a-z0-9_-]*$', () => {
    const text = oml(...HEADER, 'steps:', '  - id: Extract Movies', ...EXTRACT.slice(1));
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:4:9: steps[0] (id: Extract Movies).id: invalid step id 'Extract Movies' (expected lowercase letters, digits, '_' and '-', starting with a letter or digit: ^[a-z0-9][a-z0-9_-]*$)`,
    ]);
  });

  it('refuses a missing id and a missing component', () => {
    const text = oml(...HEADER, 'steps:', '  - mode: read', '    config: {path: x}');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:4:5: steps[0]: missing required key 'id'`,
      `${FILE}:4:5: steps[0]: missing required key 'component' (e.g. duckdb.processor)`,
    ]);
  });

  it('refuses a missing mode, naming the modes the component allows', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 2), ...EXTRACT.slice(3));
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:4:5: steps[0] (id: extract-movies): missing required key 'mode' (expected one of: read for filesystem.csv_extractor)`,
    ]);
  });

  it('refuses a mode that is not read, transform or write', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 2), '    mode: extract', ...EXTRACT.slice(3));
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:6:11: steps[0] (id: extract-movies).mode: invalid mode 'extract' (expected one of: read for filesystem.csv_extractor)`,
    ]);
  });

  it('still checks needs when the mode is invalid', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: join',
      '    component: duckdb.processor',
      '    mode: sql',
      '    needs: [nope]',
      '    config: {query: SELECT 1}',
    );
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:11:11: steps[1] (id: join).mode: invalid mode 'sql' (expected one of: transform for duckdb.processor)`,
      `${FILE}:12:13: steps[1] (id: join).needs[0]: unknown step 'nope' (known steps: extract-movies)`,
    ]);
  });

  it('refuses needs that is not a list of ids, and config that is not a mapping', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: join',
      '    component: duckdb.processor',
      '    mode: transform',
      '    needs: extract-movies',
      '    config: "SELECT 1"',
    );
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:12:12: steps[1] (id: join).needs: needs must be a list of step ids, e.g. needs: [extract-movies]`,
      `${FILE}:13:13: steps[1] (id: join).config: config must be a mapping of config keys`,
    ]);
  });
});

describe('components, modes, ids and needs (compile_error)', () => {
  it('refuses an unknown component and suggests the closest name', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: join',
      '    component: duckdb.procesor',
      '    mode: transform',
      '    config: {query: SELECT 1}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:10:16: steps[1] (id: join).component: unknown component 'duckdb.procesor' (known components: duckdb.processor, filesystem.csv_extractor, filesystem.csv_writer, postgres.writer); did you mean 'duckdb.processor'?`,
    ]);
  });

  it('refuses a mode the component does not allow', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: out',
      '    component: filesystem.csv_writer',
      '    mode: read',
      '    config: {path: x.csv}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:6:11: steps[0] (id: out).mode: mode 'read' is not allowed for component 'filesystem.csv_writer' (allowed: write)`,
    ]);
  });

  it('refuses a duplicate step id', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT, ...EXTRACT);
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:9:9: steps[1] (id: extract-movies).id: duplicate step id 'extract-movies' (already used by steps[0] at line 4)`,
    ]);
  });

  it('refuses unknown needs and lists the known steps', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: extract-actors',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    config: {path: data/actors.csv}',
      '  - id: join',
      '    component: duckdb.processor',
      '    mode: transform',
      '    needs:',
      '      - extract-moviez',
      '      - extract-actors',
      '    config: {query: SELECT 1}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:17:9: steps[2] (id: join).needs[0]: unknown step 'extract-moviez' (known steps: extract-movies, extract-actors)`,
    ]);
  });

  it('refuses a step listed twice in needs', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: join',
      '    component: duckdb.processor',
      '    mode: transform',
      '    needs: [extract-movies, extract-movies]',
      '    config: {query: SELECT 1}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:12:29: steps[1] (id: join).needs[1]: step 'extract-movies' is listed twice in needs`,
    ]);
  });

  it('refuses needs on a read step', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: again',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    needs: [extract-movies]',
      '    config: {path: x.csv}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:12:5: steps[1] (id: again).needs: a read step takes no inputs (remove needs, or use mode transform to read other steps)`,
    ]);
  });

  it('refuses a first transform step without needs, and a write step with empty needs', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: calc',
      '    component: duckdb.processor',
      '    mode: transform',
      '    config: {query: SELECT 1}',
      '  - id: out',
      '    component: filesystem.csv_writer',
      '    mode: write',
      '    needs: []',
      '    config: {path: out.csv}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:6:11: steps[0] (id: calc).mode: a transform step needs an input, but it is the first step and has no needs (add needs: [<step id>] or move it after the step it reads)`,
      `${FILE}:11:5: steps[1] (id: out).needs: a write step needs at least one input (needs is empty)`,
    ]);
  });

  it('refuses cycles and names each one', () => {
    const step = (id: string, needs: string) => [
      `  - id: ${id}`,
      '    component: duckdb.processor',
      '    mode: transform',
      `    needs: [${needs}]`,
      '    config: {query: SELECT 1}',
    ];
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      ...step('a', 'c'),
      ...step('b', 'a'),
      ...step('c', 'b, extract-movies'),
      ...step('d', 'd'),
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:12:5: steps[1] (id: a).needs: cycle in needs: a -> c -> b -> a (a -> b means a needs b)`,
      `${FILE}:27:5: steps[4] (id: d).needs: cycle in needs: d -> d (a -> b means a needs b)`,
    ]);
  });
});

describe('config (compile_error)', () => {
  const writer = (...config: string[]) =>
    oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: load',
      '    component: postgres.writer',
      '    mode: write',
      '    config:',
      ...config,
    );

  it('refuses an unknown config key, listing the expected keys and the closest one', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT, '      delimeter: ";"');
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:9:7: steps[0] (id: extract-movies).config.delimeter: unknown config key 'delimeter' (expected one of: delimiter, header, path); did you mean 'delimiter'?`,
    ]);
  });

  it('refuses an unknown key in a nested config mapping', () => {
    expect(
      refuse(writer('      table: movies', '      options:', '        schema: public'), 'compile_error'),
    ).toEqual([
      `${FILE}:15:9: steps[1] (id: load).config.options.schema: unknown config key 'schema' (expected one of: api_key, search_path)`,
    ]);
  });

  it('refuses a CSV delimiter no reader can use: CR, LF, NUL, or the quote character', () => {
    const csv = (delimiter: string) => oml(...HEADER, 'steps:', ...EXTRACT, `      delimiter: ${delimiter}`);
    const where = `${FILE}:9:18: steps[0] (id: extract-movies).config.delimiter`;
    for (const [yaml, shown] of [
      ['"\\n"', '"\\n"'],
      ['"\\r"', '"\\r"'],
      ['"\\0"', '"\\u0000"'],
    ]) {
      expect(refuse(csv(yaml as string), 'compile_error')).toEqual([
        `${where}: must be one ASCII character other than CR, LF and NUL (got ${shown})`,
      ]);
    }
    expect(refuse(csv(`'"'`), 'compile_error')).toEqual([
      `${where}: "\\"" is also the quote character (this component always quotes with "); a delimiter must differ from the quote and escape characters`,
    ]);
    expect(compile(csv('"|"')).manifest.steps).toHaveLength(1);
  });

  it('refuses a writer path ending with a slash (it made a file named like the directory)', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      '  - id: out',
      '    component: filesystem.csv_writer',
      '    mode: write',
      '    config: { path: sub/ }',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:12:21: steps[1] (id: out).config.path: path 'sub/' ends with a slash, naming a directory; a writer writes one file: add its name`,
    ]);
  });

  it('refuses a path holding a NUL character (was internal at run time)', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 4), '      path: "data/a\\0b.csv"');
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:8:13: steps[0] (id: extract-movies).config.path: path holds a NUL character (\\0), which no file name can hold`,
    ]);
  });

  it('refuses a writer path that a reader of the pipeline reads or another writer writes', () => {
    const writer = (id: string, needs: string, path: string) => [
      `  - id: ${id}`,
      '    component: filesystem.csv_writer',
      '    mode: write',
      `    needs: [${needs}]`,
      `    config: { path: ${path} }`,
    ];
    const text = oml(
      ...HEADER,
      'steps:',
      ...EXTRACT,
      ...writer('over-input', 'extract-movies', './data//movies.csv'),
      ...writer('first', 'extract-movies', 'out/a.csv'),
      ...writer('second', 'extract-movies', 'out/../out/a.csv'),
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:13:21: steps[1] (id: over-input).config.path: path './data//movies.csv' is the file step 'extract-movies' reads; a run never writes over its own input (write to another path)`,
      `${FILE}:23:21: steps[3] (id: second).config.path: path 'out/../out/a.csv' is also written by step 'first'; of two writers of one file only the last to finish would count`,
    ]);
  });

  it('refuses a missing required config key', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 4), '      delimiter: ";"');
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:7:5: steps[0] (id: extract-movies).config.path: missing required config key 'path' (required keys: path)`,
    ]);
  });

  it('refuses a missing config when the component requires keys', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT.slice(0, 3));
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:4:5: steps[0] (id: extract-movies).config.path: missing required config key 'path' (required keys: path)`,
    ]);
  });

  it('refuses a value of the wrong type and a value outside an enum', () => {
    expect(
      refuse(
        writer('      table: movies', '      batch_size: many', '      write_mode: merge'),
        'compile_error',
      ),
    ).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.batch_size: must be integer (got string)`,
      `${FILE}:15:19: steps[1] (id: load).config.write_mode: must be one of: "append", "replace", "upsert" (got "merge")`,
    ]);
  });

  it('points at the key when a value is left empty', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT, '      delimiter:');
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:9:7: steps[0] (id: extract-movies).config.delimiter: must be string (got null)`,
    ]);
  });

  it('refuses a key reserved for the compiler', () => {
    expect(refuse(writer('      table: movies', '      _step: other'), 'compile_error')).toEqual([
      `${FILE}:14:7: steps[1] (id: load).config._step: '_step' is reserved for the compiler (remove it from config)`,
      `${FILE}:14:7: steps[1] (id: load).config._step: unknown config key '_step' (expected one of: batch_size, connection, create_table, options, primary_key, table, write_mode)`,
    ]);
  });

  it('refuses an inline secret field of the component without echoing the value', () => {
    const lines = refuse(writer('      table: movies', '      password: hunter2-secret'), 'compile_error');
    expect(lines).toEqual([
      `${FILE}:14:7: steps[1] (id: load).config.password: inline secret 'password' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@postgres.<alias>"`,
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('refuses secret-looking keys at any depth, even ones the schema declares', () => {
    const text = oml(...HEADER, 'steps:', ...EXTRACT, '      db_password: 1234', '      token: abc');
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:9:7: steps[0] (id: extract-movies).config.db_password: inline secret 'db_password' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@family.<alias>"`,
      `${FILE}:10:7: steps[0] (id: extract-movies).config.token: inline secret 'token' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@family.<alias>"`,
    ]);
    // The schema declares options.api_key as a string: the secret refusal replaces the type complaint.
    expect(
      refuse(writer('      table: movies', '      options:', '        api_key: 12345'), 'compile_error'),
    ).toEqual([
      `${FILE}:15:9: steps[1] (id: load).config.options.api_key: inline secret 'api_key' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@postgres.<alias>"`,
    ]);
    expect(
      refuse(
        writer('      table: movies', '      options:', '        API_KEY: "${params.k}"'),
        'compile_error',
      )[0],
    ).toBe(
      `${FILE}:15:9: steps[1] (id: load).config.options.API_KEY: inline secret 'API_KEY' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@postgres.<alias>"`,
    );
  });

  it('refuses replace and upsert without primary_key', () => {
    expect(refuse(writer('      table: movies', '      write_mode: upsert'), 'compile_error')).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.write_mode: write_mode 'upsert' requires primary_key (a column name or a non-empty list of column names)`,
    ]);
    expect(
      refuse(
        writer('      table: movies', '      write_mode: replace', '      primary_key: []'),
        'compile_error',
      ),
    ).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.write_mode: write_mode 'replace' requires primary_key (a column name or a non-empty list of column names)`,
    ]);
  });

  it('refuses a connection that is not an @family.alias reference', () => {
    expect(
      refuse(writer('      table: movies', '      connection: postgres.warehouse'), 'compile_error'),
    ).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.connection: connection must be a reference "@family.alias" (e.g. "@postgres.main"), got 'postgres.warehouse'`,
    ]);
  });

  it('refuses a connection of a family the component does not accept', () => {
    expect(
      refuse(writer('      table: movies', '      connection: "@mysql.db_movies"'), 'compile_error'),
    ).toEqual([
      `${FILE}:14:19: steps[1] (id: load).config.connection: connection family mismatch: '@mysql.db_movies' is a mysql connection, but component 'postgres.writer' accepts: postgres`,
    ]);
  });
});

describe('params (compile_error)', () => {
  const withParams = (params: string[], path: string) =>
    oml(...HEADER, 'params:', ...params, 'steps:', ...EXTRACT.slice(0, 4), `      path: "${path}"`);

  it('refuses a referenced param that has no value', () => {
    expect(refuse(withParams(['  day: {}'], 'data/${params.day}.csv'), 'compile_error')).toEqual([
      `${FILE}:10:13: steps[0] (id: extract-movies).config.path: unresolved param 'day' (it has no default: pass --param day=VALUE or set OSIRIS_PARAM_DAY)`,
    ]);
  });

  it('refuses a declared param that has no value even when no step uses it', () => {
    expect(refuse(withParams(['  day:'], 'data/movies.csv'), 'compile_error')).toEqual([
      `${FILE}:4:3: params.day: unresolved param 'day' (it has no default: pass --param day=VALUE or set OSIRIS_PARAM_DAY)`,
    ]);
  });

  it('refuses a reference to an undeclared param and names the declared ones', () => {
    expect(
      refuse(
        withParams(['  out_dir: out', '  day: 2024-01-01'], '${params.dya}/movies.csv'),
        'compile_error',
      ),
    ).toEqual([
      `${FILE}:11:13: steps[0] (id: extract-movies).config.path: unknown param 'dya' in '\${params.dya}' (known params: out_dir, day); did you mean 'day'?`,
    ]);
  });

  it('refuses --param for a param the pipeline does not declare', () => {
    expect(refuse(withParams(['  day: x'], 'data.csv'), 'compile_error', { cliParams: { dy: '1' } })).toEqual(
      [`--param dy: unknown param 'dy' (declared params: day); did you mean 'day'?`],
    );
  });

  it('refuses env and CLI values that do not fit the default type', () => {
    const text = withParams(['  rows: 10', '  strict: false'], 'data.csv');
    expect(
      refuse(text, 'compile_error', { cliParams: { rows: 'ten' }, env: { OSIRIS_PARAM_STRICT: 'yes' } }),
    ).toEqual([
      `${FILE}:4:3: params.rows: --param rows=ten: expected a number (the default 10 is a number)`,
      `${FILE}:5:3: params.strict: OSIRIS_PARAM_STRICT=yes: expected true or false (the default false is a boolean)`,
    ]);
  });
});

describe('several problems at once', () => {
  it('reports every finding in one error, ordered by position', () => {
    const text = oml(
      ...HEADER,
      'steps:',
      '  - id: extract',
      '    component: filesystem.csv_extractor',
      '    mode: read',
      '    config: {path: a.csv, sep: ";"}',
      '  - id: extract',
      '    component: nope.extractor',
      '    mode: read',
      '  - id: load',
      '    component: postgres.writer',
      '    mode: write',
      '    needs: [missing]',
      '    config: {table: t, password: x}',
    );
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:7:27: steps[0] (id: extract).config.sep: unknown config key 'sep' (expected one of: delimiter, header, path)`,
      `${FILE}:8:9: steps[1] (id: extract).id: duplicate step id 'extract' (already used by steps[0] at line 4)`,
      `${FILE}:9:16: steps[1] (id: extract).component: unknown component 'nope.extractor' (known components: duckdb.processor, filesystem.csv_extractor, filesystem.csv_writer, postgres.writer)`,
      `${FILE}:14:13: steps[2] (id: load).needs[0]: unknown step 'missing' (known steps: extract)`,
      `${FILE}:15:24: steps[2] (id: load).config.password: inline secret 'password' refused: secrets never go in OML; put it in osiris_connections.yaml and reference the connection with connection: "@postgres.<alias>"`,
    ]);
  });

  it('makes the whole failure oml_invalid when any finding is structural', () => {
    const text = oml(...HEADER, 'extra: 1', 'steps:', '  - id: a', '    component: nope', '    mode: read');
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:3:1: extra: unknown top-level key 'extra' (expected one of: oml_version, name, description, metadata, params, steps)`,
      `${FILE}:6:16: steps[0] (id: a).component: unknown component 'nope' (known components: duckdb.processor, filesystem.csv_extractor, filesystem.csv_writer, postgres.writer)`,
    ]);
  });
});
