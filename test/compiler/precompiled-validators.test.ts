// The built CLI validates configs with Ajv code generated at build time (scripts/build.mjs); running
// from source, the compiler compiles each schema with Ajv. Both must say the same thing about every
// component's config, right or wrong: this compares dist/index.mjs (built by `npm test` first) with
// the sources, and checks that the bundle does hold a generated validator for every schema.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createCatalog, createDriverTable, validateOml } from '../../src/index.js';
import type { ComponentSpec } from '../../src/index.js';

const DIST = join(import.meta.dirname, '..', '..', 'dist');
const built = (await import(join(DIST, 'index.mjs'))) as {
  validateOml: typeof validateOml;
  createCatalog: typeof createCatalog;
  createDriverTable: typeof createDriverTable;
};
const catalog = createCatalog(createDriverTable());
const builtCatalog = built.createCatalog(built.createDriverTable());

/** Configs that exercise a schema: the example, an unknown key, every property with a wrong type, none. */
function createConfigs(spec: ComponentSpec): Record<string, unknown>[] {
  const example = spec.example as Record<string, unknown>;
  const properties = Object.keys((spec.configSchema as { properties?: object }).properties ?? {});
  return [
    example,
    { ...example, bogus_key: 1 },
    ...properties.map((key) => ({ ...example, [key]: key === 'columns' ? 'x' : [{ wrong: true }] })),
    ...properties.map((key) => ({ ...example, [key]: -1 })),
    {},
  ];
}

function renderOml(spec: ComponentSpec, config: Record<string, unknown>): string {
  const step = { id: 's', component: spec.name, mode: spec.modes[0], config };
  return stringify({ oml_version: '0.1.0', name: 'p', steps: [step] });
}

describe('precompiled config validators', () => {
  it('say what Ajv compiling the schema says, for every component and many configs', () => {
    let compared = 0;
    for (const spec of catalog.values()) {
      for (const config of createConfigs(spec)) {
        const text = renderOml(spec, config);
        const input = { text, file: 'p.yaml', cliParams: {}, env: {} };
        const fromSource = validateOml({ ...input, catalog });
        expect(built.validateOml({ ...input, catalog: builtCatalog })).toEqual(fromSource);
        compared += fromSource.length;
      }
    }
    expect(compared).toBeGreaterThan(100); // the configs do produce diagnostics to compare
  });

  it('are in the bundle, one per distinct config schema', () => {
    const chunks = readdirSync(join(DIST, 'chunks'))
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => readFileSync(join(DIST, 'chunks', f), 'utf8'));
    const marker = 'PRECOMPILED_VALIDATORS=new Map([[';
    const bundle = chunks.find((text) => text.includes(marker)) ?? '';
    const table = bundle.slice(bundle.indexOf(marker), bundle.indexOf(']])', bundle.indexOf(marker)));
    // each entry is [<the schema's JSON as a string literal, in any quotes>, <its validator>]
    const entries = table.match(/\[[`'"]\{\\?"\$schema/g) ?? [];
    const schemas = new Set([...catalog.values()].map((spec) => JSON.stringify(spec.configSchema)));
    expect(schemas.size).toBeGreaterThan(5);
    expect(entries).toHaveLength(schemas.size);
  });
});
