// The offline fake E2B of the tests (test/support/fake-e2b/, TypeScript), bundled with esbuild into `work`
// and started with the repository as its `osiris` template (dependencies baked in).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Start the fake E2B; `limits` as in FakeE2bOptions (maxAlive, createsPerSecond). */
export async function startFakeE2b(repoDir, work, limits) {
  const bundle = join(work, 'fake-e2b.mjs');
  await build({
    entryPoints: [join(repoDir, 'test/support/fake-e2b/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  });
  const fake = await import(pathToFileURL(bundle).href);
  return fake.startFakeE2b({ templates: { osiris: repoDir }, ...(limits ? { limits } : {}) });
}
