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
import { dirname, join } from 'node:path';

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

/** Find `name` from `fromDir` as Node does: the nearest node_modules up to `nodeModules`. */
function findInstalled(nodeModules: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(nodeModules); dir = dirname(dir)) {
    const candidate = join(dir, dir === nodeModules ? '' : 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === nodeModules) break;
  }
  return undefined;
}

/** Directories of `roots` and everything they depend on that is installed (nested copies included). */
function listInstalledTree(nodeModules: string, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const versions = new Map<string, string>();
  const queue = roots.flatMap((name) => findInstalled(nodeModules, nodeModules, name) ?? []);
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    // npm installs peer dependencies too, so they must be served
    const deps = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
    for (const name of Object.keys(deps)) {
      const found = findInstalled(nodeModules, dir, name);
      if (found) queue.push(found);
    }
    // the same version installed twice (nested copies) is packed once
    if (!versions.has(`${pkg.name}@${pkg.version}`)) versions.set(`${pkg.name}@${pkg.version}`, dir);
  }
  return [...versions.values()];
}

/** Pack every package in one npm call (one process, not one per package). */
function packPackages(sources: readonly string[], dir: string): PackedPackage[] {
  const out = execFileSync(
    'npm',
    ['pack', ...sources, '--ignore-scripts', '--json', '--pack-destination', dir],
    {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      env: { ...process.env, npm_config_cache: join(dir, 'cache'), npm_config_offline: 'true' },
    },
  );
  // npm pack reports in argument order
  const infos = JSON.parse(out) as { filename: string }[];
  return infos.map((info, i) => {
    const file = join(dir, info.filename.replace(/^@/, '').replace('/', '-'));
    const bytes = readFileSync(file);
    const manifest = JSON.parse(readFileSync(join(sources[i] as string, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const key of Object.keys(manifest)) if (key.startsWith('_')) delete manifest[key];
    return {
      manifest,
      file,
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      shasum: createHash('sha1').update(bytes).digest('hex'),
    };
  });
}

/** Pack `roots` and their installed dependencies from `nodeModules` and serve them on 127.0.0.1. */
export async function startLocalNpmRegistry(
  nodeModules: string,
  roots: readonly string[],
): Promise<LocalNpmRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-npm-registry-'));
  const packed = packPackages(listInstalledTree(nodeModules, roots), dir);
  const byName = new Map<string, PackedPackage[]>();
  for (const p of packed)
    byName.set(String(p.manifest['name']), [...(byName.get(String(p.manifest['name'])) ?? []), p]);
  let downloads = 0;
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string).slice(1);
    const tarball = packed.find((p) => path === `-/${p.file.slice(dir.length + 1)}`);
    if (tarball) {
      downloads++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(tarball.file).pipe(res);
      return;
    }
    const versions = byName.get(path);
    if (!versions) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const packument = {
      name: path,
      'dist-tags': { latest: String(versions.at(-1)?.manifest['version']) },
      versions: Object.fromEntries(
        versions.map((p) => [
          String(p.manifest['version']),
          {
            ...p.manifest,
            dist: {
              tarball: `${base}/-/${p.file.slice(dir.length + 1)}`,
              integrity: p.integrity,
              shasum: p.shasum,
            },
          },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    packages: packed.map((p) => `${String(p.manifest['name'])}@${String(p.manifest['version'])}`),
    downloads: () => downloads,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
