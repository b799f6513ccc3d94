// Every bound component's spec is valid against schemas/component-spec.schema.json, its example
// config validates against its own config schema, and `components list/show` print them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DRIVER_MODULES } from '../../src/drivers/index.js';
import { REPO_ROOT, runOsiris } from '../support/run-osiris.js';

const specSchema = JSON.parse(
  readFileSync(join(REPO_ROOT, 'schemas/component-spec.schema.json'), 'utf8'),
) as object;

describe('component specs', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validateSpec = ajv.compile(specSchema);

  it.each(DRIVER_MODULES.map((m) => [m.spec.name, m] as const))(
    '%s has a valid spec and a valid example',
    (_name, module) => {
      expect(validateSpec(module.spec), JSON.stringify(validateSpec.errors)).toBe(true);
      const validateConfig = new Ajv({ strict: false }).compile(module.spec.configSchema);
      expect(
        validateConfig(structuredClone(module.spec.example)),
        JSON.stringify(validateConfig.errors),
      ).toBe(true);
    },
  );

  it('the spec schema rejects a spec with an unknown mode', () => {
    const first = DRIVER_MODULES[0];
    expect(validateSpec({ ...first?.spec, modes: ['stream'] })).toBe(false);
  });

  it('components list and show print every component', async () => {
    const list = JSON.parse((await runOsiris(['components', 'list', '--json'], { cwd: REPO_ROOT })).stdout);
    expect(list.components.map((c: { name: string }) => c.name)).toEqual(
      DRIVER_MODULES.map((m) => m.spec.name).sort(),
    );
    const show = await runOsiris(['components', 'show', 'postgres.writer', '--json'], { cwd: REPO_ROOT });
    expect(JSON.parse(show.stdout).modes).toEqual(['write']);
    // without --json: a page to read, one line per config key with its type and default
    const page = await runOsiris(['components', 'show', 'postgres.writer'], { cwd: REPO_ROOT });
    expect(page.code).toBe(0);
    expect(page.stdout).not.toContain('"configSchema"');
    expect(page.stdout).toMatch(/^postgres\.writer \d+\.\d+\.\d+\n/);
    expect(page.stdout).toContain('connection:   @postgres.<alias>');
    expect(page.stdout).toMatch(/\n {2}write_mode +"append" \| "replace" \| "upsert" +default "append" /);
    expect(page.stdout).toMatch(/\n {2}table +string +required +Target table\./);
    expect(page.stdout).toContain('example step:\n  component: postgres.writer\n  mode: write\n');
    const unknown = await runOsiris(['components', 'show', 'nope.thing'], { cwd: REPO_ROOT });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error \[usage\]: unknown component 'nope\.thing' \(known: duckdb\.processor,/,
    );
  });
});
