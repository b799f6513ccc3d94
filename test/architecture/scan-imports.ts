import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface ImportRef {
  file: string;
  specifier: string;
}

/** Folder → folders it may import (the dependency rule, docs/architecture.md). Composition roots: cli, api, and the worker entry. */
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  compiler: ['core', 'compiler'],
  connections: ['core', 'connections'],
  session: ['core', 'session'],
  drivers: ['core', 'drivers'],
  report: ['core', 'report'],
  runtime: ['core', 'session', 'runtime'],
  remote: ['core', 'session', 'runtime', 'remote'],
  api: ['core', 'compiler', 'connections', 'session', 'runtime', 'drivers', 'remote', 'report', 'api'],
  // the CLI is a client of the library: its main entry (src/index.ts) and its sandbox entry (remote/index.ts)
  cli: ['cli', 'index', 'remote'],
};

/** Composition roots besides api/ and cli/ (the library entry, the worker): they bind implementations, so they may import any folder but cli. */
const COMPOSITION_ROOTS: readonly string[] = ['src/index.ts', 'src/remote/worker-main.ts'];

/** Folders the CLI reaches only through their entry file. */
const CLI_ENTRIES: Record<string, string> = { remote: 'src/remote/index.js' };

/** Each client library may be imported by exactly these files (one per library). */
const CLIENT_LIBRARIES: Record<string, readonly string[]> = {
  mysql2: ['src/drivers/mysql/mysql-client.ts'],
  pg: ['src/drivers/postgres/postgres-client.ts'],
  'pg-copy-streams': ['src/drivers/postgres/postgres-client.ts'],
  '@duckdb/node-api': ['src/runtime/data-plane/duckdb-data-plane.ts'],
  e2b: ['src/remote/transports/e2b-transport.ts'],
};

export function scanImports(root: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts)$/.test(name)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(
          /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
        )) {
          refs.push({ file: path.split('\\').join('/'), specifier: (m[1] ?? m[2]) as string });
        }
      }
    }
  };
  walk(root);
  return refs;
}

/** The top folder under src/ of a file, or the name without extension of a file directly in src/ (`index`). */
function folderOf(file: string): string {
  return (relative('src', file).split(/[\\/]/)[0] ?? '').replace(/\.(ts|mts|js|mjs)$/, '');
}

/** The folder under src/drivers/ (`mysql`, `sql`, ...), or '' for a file directly in drivers/ (index.ts). */
function driverFolderOf(file: string): string {
  const parts = relative('src/drivers', file).split(/[\\/]/);
  return parts.length > 1 ? (parts[0] as string) : '';
}

/** The folder shared by the component folders under drivers/ (SQL plumbing, CSV text, retries). */
const SHARED_DRIVER_FOLDER = 'sql';

/**
 * Inside drivers/: a component folder (mysql, postgres, csv, duckdb) imports only its own folder and
 * the shared one; the shared folder imports only itself; drivers/index.ts binds them all.
 */
function checkDriverFolders(file: string, target: string): string | undefined {
  const from = driverFolderOf(file);
  const to = driverFolderOf(target);
  if (from === '' || to === from || to === SHARED_DRIVER_FOLDER) return undefined;
  const allowed = from === SHARED_DRIVER_FOLDER ? [from] : [from, SHARED_DRIVER_FOLDER];
  return `${file} imports ${target} (drivers/${from} may import: ${allowed.map((f) => `drivers/${f}`).join(', ')}, core)`;
}

export function findBackwardImports(refs: readonly ImportRef[]): string[] {
  const violations: string[] = [];
  for (const { file, specifier } of refs) {
    const from = folderOf(file);
    const allowed = COMPOSITION_ROOTS.includes(file) ? (ALLOWED.api ?? []) : (ALLOWED[from] ?? []);
    if (specifier.startsWith('.')) {
      const path = normalize(join(dirname(file), specifier))
        .split('\\')
        .join('/');
      const target = folderOf(path);
      if (!allowed.includes(target))
        violations.push(`${file} imports ${specifier} (${from} may import: ${allowed.join(', ')})`);
      else if (from === 'cli' && CLI_ENTRIES[target] !== undefined && path !== CLI_ENTRIES[target])
        violations.push(
          `${file} imports ${specifier} (the CLI reaches ${target}/ only through ${CLI_ENTRIES[target]})`,
        );
      else if (from === 'drivers' && target === 'drivers') {
        const wrong = checkDriverFolders(file, path);
        if (wrong) violations.push(wrong);
      }
      continue;
    }
    if (specifier.startsWith('node:')) continue;
    const pkg = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : (specifier.split('/')[0] ?? '');
    if (from === 'core')
      violations.push(`${file} imports ${specifier} (core has no third-party runtime deps)`);
    else if (CLIENT_LIBRARIES[pkg] && !CLIENT_LIBRARIES[pkg].includes(file)) {
      violations.push(`${file} imports ${specifier} (only ${CLIENT_LIBRARIES[pkg].join(', ')} may)`);
    }
  }
  return violations;
}
