// Issue 8 §5: step ids whose SQL names clash, and ids or names too long for file names and SQL identifiers,
// are refused at compile with positions (before: compiled, or ENAMETOOLONG as `internal` while writing).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/api/compile-pipeline.js';
import { createDriverTable } from '../../src/api/driver-table.js';
import { NAME_LIMITS, parseManifest } from '../../src/compiler/index.js';
import { CompileError } from '../../src/core/errors.js';
import { aliasOf } from '../../src/runtime/data-plane/index.js';
import { createStepAlias } from '../../src/compiler/index-step-ids.js';
import { compile, FILE, HEADER, oml, refuse } from './compile-support.js';

const read = (id: string) => [
  `  - id: ${id}`,
  '    component: filesystem.csv_extractor',
  '    mode: read',
  '    config: {path: data/x.csv}',
];

describe('df_ alias collisions', () => {
  it('refuses a-b beside a_b with both locations', () => {
    const text = oml(...HEADER, 'steps:', ...read('a-b'), ...read('a_b'));
    expect(refuse(text, 'compile_error')).toEqual([
      `${FILE}:8:9: steps[1] (id: a_b).id: step ids 'a-b' (steps[0] at ${FILE}:4:9) and 'a_b' both give the SQL alias 'df_a_b' ('-' becomes '_' in df_ aliases; rename one)`,
    ]);
  });

  it("refuses an id that is another step's alias, in either order", () => {
    const later = oml(...HEADER, 'steps:', ...read('x-y'), ...read('df_x_y'));
    expect(refuse(later, 'compile_error')).toEqual([
      `${FILE}:8:9: steps[1] (id: df_x_y).id: step id 'df_x_y' is the SQL alias of step 'x-y' (steps[0] at ${FILE}:4:9), so a query naming 'df_x_y' would be ambiguous (rename one)`,
    ]);
    const earlier = oml(...HEADER, 'steps:', ...read('df_x'), ...read('x'));
    expect(refuse(earlier, 'compile_error')).toEqual([
      `${FILE}:8:9: steps[1] (id: x).id: the SQL alias 'df_x' of step 'x' is the id of step 'df_x' (steps[0] at ${FILE}:4:9), so a query naming 'df_x' would be ambiguous (rename one)`,
    ]);
  });

  it('accepts ids whose aliases differ, and names aliases as the runtime does', () => {
    const out = compile(oml(...HEADER, 'steps:', ...read('a-b'), ...read('a-c'), ...read('df-a-b')));
    expect(out.manifest.steps.map((s) => s.id)).toEqual(['a-b', 'a-c', 'df-a-b']);
    for (const id of ['a-b', 'a_b', 'x', 'df_x', 'a--b-', '0-9_z'])
      expect(createStepAlias(id)).toBe(aliasOf(id));
  });
});

describe('length limits', () => {
  const longId = (n: number) => `s${'x'.repeat(n - 1)}`;

  it(`refuses a step id over ${NAME_LIMITS.stepIdBytes} bytes at its position, accepts one of exactly that`, () => {
    const id = longId(NAME_LIMITS.stepIdBytes + 1);
    expect(refuse(oml(...HEADER, 'steps:', ...read(id)), 'oml_invalid')).toEqual([
      `${FILE}:4:9: steps[0] (id: ${id}).id: step id '${id.slice(0, 20)}...' is 61 bytes long (at most 60: it names cfg/<id>.json, artifacts/<id>/ and the step's table, whose df_<id> alias must fit 63-byte SQL identifiers)`,
    ]);
    const fits = longId(NAME_LIMITS.stepIdBytes);
    expect(compile(oml(...HEADER, 'steps:', ...read(fits))).manifest.steps[0]?.id).toBe(fits);
  });

  it(`refuses a name whose pipeline id is over ${NAME_LIMITS.pipelineIdBytes} bytes`, () => {
    const name = `Daily ${'very '.repeat(30)}long report`;
    const text = oml('oml_version: "0.1.0"', `name: ${name}`, 'steps:', ...read('a'));
    expect(refuse(text, 'oml_invalid')).toEqual([
      `${FILE}:2:7: name: name gives a pipeline id of 167 bytes ('daily-very-very-very...'), at most 128 (it names the build/<pipeline_id>/ directory): use a shorter name`,
    ]);
  });

  it('refuses the same limits in a hand-written manifest', () => {
    const out = compile(oml(...HEADER, 'steps:', ...read('a')));
    const id = longId(NAME_LIMITS.stepIdBytes + 1);
    const text = out.manifestText.replace(/\bid: a\b/, `id: ${id}`).replace('cfg/a.json', `cfg/${id}.json`);
    expect(() => parseManifest(text, 'm.yaml')).toThrow(`must be at most 60 bytes long (got 61)`);
  });

  describe('through compilePipeline (the files compile would write)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'osiris-limits-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    // Before: the 300-byte id reached writeFileSync(cfg/<id>.json) and failed with ENAMETOOLONG (`internal`).
    it.each([
      ['a 300-byte step id', 'name: long', 's'.repeat(300), 'steps[0]'],
      ['a 300-byte pipeline name', `name: ${'n'.repeat(300)}`, 'a', 'name'],
    ])('refuses %s with its position and writes nothing', (_what, nameLine, id, where) => {
      writeFileSync(join(dir, 'p.yaml'), oml('oml_version: "0.1.0"', nameLine, 'steps:', ...read(id)));
      let caught: unknown;
      try {
        compilePipeline({
          file: 'p.yaml',
          params: {},
          profile: 'default',
          cwd: dir,
          env: {},
          drivers: createDriverTable(),
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CompileError);
      expect((caught as CompileError).code).toBe('oml_invalid');
      expect((caught as CompileError).message).toMatch(
        new RegExp(`^p\\.yaml:\\d+:\\d+: ${where.replace(/[[\]]/g, '\\$&')}`),
      );
      expect(existsSync(join(dir, 'build'))).toBe(false);
      expect(existsSync(join(dir, '.osiris'))).toBe(false);
    });
  });
});
