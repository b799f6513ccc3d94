// Generates, at build time, the Ajv validators of the built-in components' config schemas (standalone
// code), and an esbuild plugin that puts them in place of src/compiler/config-validators.ts's empty
// table: a run then compiles no schema (~17 ms each on every command's start).
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const NAMESPACE = 'osiris-validator';

/** Load the driver modules' specs and Ajv's options from the sources (bundled to a temporary file). */
async function loadSources(options) {
  const dir = resolve('dist', '.validators');
  mkdirSync(dir, { recursive: true });
  try {
    const file = join(dir, 'sources.mjs');
    await build({
      ...options,
      stdin: {
        contents:
          "export { DRIVER_MODULES } from './src/drivers/index.ts';\n" +
          "export { CONFIG_AJV_OPTIONS } from './src/compiler/config-validators.ts';\n",
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      outfile: file,
      sourcemap: false,
    });
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The esbuild plugin serving the generated validators; `options` are the build's shared options. */
export async function createValidatorsPlugin(options) {
  const { DRIVER_MODULES, CONFIG_AJV_OPTIONS } = await loadSources(options);
  const codes = new Map();
  for (const { spec } of DRIVER_MODULES) {
    const key = JSON.stringify(spec.configSchema);
    if (codes.has(key)) continue;
    const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true, esm: true } });
    codes.set(key, standaloneCode.default(ajv, ajv.compile(spec.configSchema)));
  }
  const entries = [...codes.keys()];
  const table = [
    ...entries.map((_, i) => `import v${i} from '${NAMESPACE}:${i}';`),
    `export const CONFIG_AJV_OPTIONS = ${JSON.stringify(CONFIG_AJV_OPTIONS)};`,
    `export const PRECOMPILED_VALIDATORS = new Map([${entries.map((key, i) => `[${JSON.stringify(key)}, v${i}]`).join(', ')}]);`,
  ].join('\n');
  return {
    name: 'precompiled-validators',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]src[\\/]compiler[\\/]config-validators\.ts$/ }, () => ({
        contents: table,
        loader: 'js',
        resolveDir: resolve('.'),
      }));
      plugin.onResolve({ filter: new RegExp(`^${NAMESPACE}:`) }, (args) => ({
        path: args.path.slice(NAMESPACE.length + 1),
        namespace: NAMESPACE,
      }));
      plugin.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: codes.get(entries[Number(args.path)]),
        loader: 'js',
        resolveDir: resolve('.'),
      }));
    },
  };
}
