// Bundles the CLI and the sandbox worker with esbuild (fast, so tests run it first) and regenerates
// schemas/*.schema.json from the event/metric catalogue in src/core/catalogue.ts.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createValidatorsPlugin } from './precompile-validators.mjs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundles run on Node only. pg probes for Cloudflare Workers through `navigator`, and on Node 20 (no
  // such global) falls back to `new Response()`, which loads Node's fetch stack: ~24 ms of every start.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { navigator: '{"userAgent":"Node.js"}' },
};
// bundled CommonJS packages call require(): give the ESM chunks one
const REQUIRE_BANNER = {
  js: "import { createRequire as __osirisRequire } from 'node:module'; const require = __osirisRequire(import.meta.url);",
};
const CLI_EXTERNAL = ['@duckdb/node-api', 'e2b', 'pg-native', 'cloudflare:sockets'];
// The built-in components' config validators, generated here rather than compiled at every start.
const validators = await createValidatorsPlugin({
  ...common,
  external: CLI_EXTERNAL,
  banner: REQUIRE_BANNER,
});
common.plugins = [validators];
// Split so that heavy parts (DuckDB, the e2b SDK) load only when a command needs them.
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  ...common,
  // the CLI and the library entry share chunks: the CLI is a client of that same library
  entryPoints: { osiris: 'src/cli/main.ts', index: 'src/index.ts', remote: 'src/remote/index.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Pure-JS dependencies are bundled: resolving and loading ~150 files of yaml, ajv, mysql2 and pg through
  // node_modules cost ~55 ms of every command's start (bench/README.md, 25-incremental). DuckDB (a native
  // addon) and the e2b SDK (loaded only for sandbox runs) stay external; so do pg's optional peers.
  external: CLI_EXTERNAL,
  banner: REQUIRE_BANNER,
});
// The worker is split so drivers and DuckDB load lazily, after the sandbox's dependency check.
// Pure-JS packages are bundled into it; only DuckDB's native addon must exist in the sandbox.
// bundled.json lists the bundled packages so the worker's dependency check counts them as present.
// stale chunks of an earlier build would be uploaded too; esbuild writes nothing when a build fails
rmSync('dist/worker', { recursive: true, force: true });
const worker = await build({
  ...common,
  entryPoints: ['src/remote/worker-main.ts'],
  outdir: 'dist/worker',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: '[name]-[hash]',
  sourcemap: false,
  metafile: true,
  external: ['@duckdb/node-api', 'pg-native', 'cloudflare:sockets'],
  banner: REQUIRE_BANNER,
});
const bundled = new Set();
for (const input of Object.keys(worker.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) bundled.add(m[1]);
}
writeFileSync('dist/worker/bundled.json', `${JSON.stringify([...bundled].sort(), null, 2)}\n`);

const schemas = await build({
  ...common,
  entryPoints: ['src/core/render-schemas.ts'],
  write: false,
  sourcemap: false,
});
const mod = await import(
  `data:text/javascript;base64,${Buffer.from(schemas.outputFiles[0].text).toString('base64')}`
);
mkdirSync('schemas', { recursive: true });
writeFileSync('schemas/events.schema.json', `${JSON.stringify(mod.renderEventsSchema(), null, 2)}\n`);
writeFileSync('schemas/metrics.schema.json', `${JSON.stringify(mod.renderMetricsSchema(), null, 2)}\n`);
