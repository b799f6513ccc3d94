// Bundles the CLI (and, once it exists, the sandbox worker) with esbuild. Fast (~100 ms), so tests run it first.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/osiris.mjs', packages: 'external' });
if (existsSync('src/remote/worker-main.ts')) {
  await build({ ...common, entryPoints: ['src/remote/worker-main.ts'], outfile: 'dist/worker.mjs', packages: 'external' });
}
