// The `osiris` command as users get it: the project is packed with `npm pack` (what `npm publish` would
// ship), the tarball is installed into an empty directory outside the repository with `npm install`,
// and there `npx osiris` runs --help, init, the example pipeline and a `--sandbox local` run. The
// dependencies come from a loopback registry serving this repository's own node_modules into an empty
// npm cache: no network and nothing from the host's cache.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNpmRegistry } from '../support/local-npm-registry.js';
import type { LocalNpmRegistry } from '../support/local-npm-registry.js';
import { REPO_ROOT } from '../support/run-osiris.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
};

let tmp: string;
let app: string;
let registry: LocalNpmRegistry;

/** A child environment with nothing of the host's npm setup: empty cache, the loopback registry. */
function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    TMPDIR: tmp,
    NO_COLOR: '1',
    npm_config_cache: join(tmp, 'npm-cache'),
    npm_config_registry: registry.url,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

// Asynchronous on purpose: the registry answers from this process, so a synchronous child would deadlock.
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd,
      env: childEnv(),
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    throw new Error(`${command} ${args.join(' ')} exited ${e.code}\n${e.stdout}\n${e.stderr}`);
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'osiris-pack-install-'));
  registry = await startLocalNpmRegistry(join(REPO_ROOT, 'node_modules'), Object.keys(pkg.dependencies));
  // what `prepack` adds to `npm run build` (which npm test has run): the library's type declarations
  await run(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.types.json'],
    REPO_ROOT,
  );
  const [packed] = JSON.parse(
    await run('npm', ['pack', REPO_ROOT, '--ignore-scripts', '--json', '--pack-destination', tmp], tmp),
  ) as { filename: string }[];
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  await run('npm', ['install', join(tmp, (packed as { filename: string }).filename)], app);
}, 300_000);

afterAll(async () => {
  await registry?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe(`npm pack + npm install of ${pkg.name}, outside the repository`, () => {
  it('ships the CLI, the worker bundle and the schemas, and nothing of the tests', () => {
    const root = join(app, 'node_modules', pkg.name);
    for (const file of [
      'bin/osiris.mjs',
      'dist/osiris.mjs',
      'dist/index.mjs',
      'dist/remote.mjs',
      'dist/types/index.d.ts',
      'dist/types/remote/index.d.ts',
      'dist/worker/worker-main.mjs',
      'schemas',
    ])
      expect(existsSync(join(root, file)), file).toBe(true);
    expect(existsSync(join(root, 'test'))).toBe(false);
    expect(existsSync(join(root, 'src'))).toBe(false);
  });

  it('npx osiris --help, init, the example pipeline and a --sandbox local run', async () => {
    expect(await run('npx', ['--no', '--', 'osiris', '--help'], app)).toMatch(/^Usage: osiris/);
    await run('npx', ['--no', '--', 'osiris', 'init', 'demo'], app);
    const demo = join(app, 'demo');
    expect(existsSync(join(demo, 'osiris.yaml'))).toBe(true);
    await run('npx', ['--no', '--', 'osiris', 'run', 'pipelines/example.yaml'], demo);
    const local = readFileSync(join(demo, 'output/people.csv'), 'utf8');
    expect(local.split('\n')[0]).toMatch(/^id,/);
    rmSync(join(demo, 'output'), { recursive: true });
    await run('npx', ['--no', '--', 'osiris', 'run', 'pipelines/example.yaml', '--sandbox', 'local'], demo);
    expect(readFileSync(join(demo, 'output/people.csv'), 'utf8')).toBe(local);
  }, 120_000);

  it('the library entry compiles and runs the example from code, as the CLI does', async () => {
    const script = `
      import { compilePipeline, createDriverTable, runPipeline } from '${pkg.name}';
      import { createLocalTransport, createRemoteAdapter } from '${pkg.name}/remote';
      if (typeof createLocalTransport !== 'function' || typeof createRemoteAdapter !== 'function') process.exit(3);
      const drivers = createDriverTable();
      const plan = compilePipeline({ file: 'example.yaml', cwd: process.cwd(), params: {}, profile: 'default', env: {}, drivers });
      const { status } = await runPipeline({ plan, drivers, env: {} });
      console.log(JSON.stringify({ ok: status.ok, rows: status.rows_written, root: plan.projectRoot }));`;
    const demo = join(app, 'demo');
    const out = await run(process.execPath, ['--input-type=module', '-e', script], join(demo, 'pipelines'));
    expect(JSON.parse(out)).toEqual({ ok: true, rows: 3, root: demo });
    const types = readFileSync(join(app, 'node_modules', pkg.name, 'dist/types/index.d.ts'), 'utf8');
    expect(types).toContain('export { runPipeline }');
  }, 60_000);
});
