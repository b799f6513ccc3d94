import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RuntimeDependency } from '../core/index.js';

/** Result of looking for the runtime dependencies of the components a manifest uses. */
export interface DependencyReport {
  /** `name@version` found (installed version). */
  present: string[];
  /** `name@version` wanted but not found. */
  missing: string[];
}

/** Installed version of a package as Node would resolve it from `fromDir`, or undefined. */
export function findInstalledVersion(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const pkg = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(pkg))
      return (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?';
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Check each dependency once (deduplicated by name), resolving from `fromDir`; bundled packages count as present. */
export function checkDependencies(
  dependencies: readonly RuntimeDependency[],
  fromDir: string,
  bundled: ReadonlySet<string>,
): DependencyReport {
  const report: DependencyReport = { present: [], missing: [] };
  const seen = new Set<string>();
  for (const dep of dependencies) {
    if (seen.has(dep.name)) continue;
    seen.add(dep.name);
    if (bundled.has(dep.name)) {
      report.present.push(`${dep.name}@bundled`);
      continue;
    }
    const version = findInstalledVersion(dep.name, fromDir);
    if (version === undefined) report.missing.push(`${dep.name}@${dep.version}`);
    else report.present.push(`${dep.name}@${version}`);
  }
  return report;
}
