// A tiny npm registry on loopback for tests that install packages inside a sandbox: it serves the
// packages of a dependency tree packed from this repository's own node_modules, so such a test needs
// neither the network nor whatever happens to be in the host's npm cache. Packages that are not
// installed here (other platforms' optional bindings) answer 404, which npm tolerates for optional
// dependencies.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running registry. */
export interface LocalNpmRegistry {
  /** Base URL for `npm_config_registry`. */
  url: string;
  /** `name@version` of every package it serves. */
  packages: string[];
  /** Number of tarball downloads served so far. */
  downloads(): number;
  /** Stop the server and remove the packed tarballs. */
  close(): Promise<void>;
}

interface PackedPackage {
  manifest: Record<string, unknown>;
  file: string;
  integrity: string;
  shasum: string;
}

/** Names of `root` and everything it depends on that is installed in `nodeModules`. */
function listInstalledTree(nodeModules: string, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name) || !existsSync(join(nodeModules, name, 'package.json'))) continue;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
  return [...seen];
}

function packPackage(nodeModules: string, name: string, dir: string, cache: string): PackedPackage {
  const source = join(nodeModules, name);
  const out = execFileSync('npm', ['pack', source, '--ignore-scripts', '--json', '--pack-destination', dir], {
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: cache, npm_config_offline: 'true' },
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  const file = join(dir, (info as { filename: string }).filename.replace(/^@[^/]+\//, '').replace('/', '-'));
  const bytes = readFileSync(file);
  const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(manifest)) if (key.startsWith('_')) delete manifest[key];
  return {
    manifest,
    file,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
  };
}

/** Pack `roots` and their installed dependencies from `nodeModules` and serve them on 127.0.0.1. */
export async function startLocalNpmRegistry(
  nodeModules: string,
  roots: readonly string[],
): Promise<LocalNpmRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-npm-registry-'));
  const packed = new Map<string, PackedPackage>();
  for (const name of listInstalledTree(nodeModules, roots))
    packed.set(name, packPackage(nodeModules, name, dir, join(dir, 'cache')));
  let downloads = 0;
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string).slice(1);
    const tarball = [...packed.values()].find((p) => path === `-/${p.file.slice(dir.length + 1)}`);
    if (tarball) {
      downloads++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(tarball.file).pipe(res);
      return;
    }
    const pkg = packed.get(path);
    if (!pkg) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const version = String(pkg.manifest['version']);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dist = {
      tarball: `${base}/-/${pkg.file.slice(dir.length + 1)}`,
      integrity: pkg.integrity,
      shasum: pkg.shasum,
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: path,
        'dist-tags': { latest: version },
        versions: { [version]: { ...pkg.manifest, dist } },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    packages: [...packed.values()].map(
      (p) => `${String(p.manifest['name'])}@${String(p.manifest['version'])}`,
    ),
    downloads: () => downloads,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
