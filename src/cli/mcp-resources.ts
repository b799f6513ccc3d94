// MCP resources: the pages an agent reads before writing OML. The OML reference and the component
// pages come from docs/ of the install when present (a clone); a component's page falls back to the
// rendering of `osiris components show`, so an installed package (no docs/) still serves every component.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverTable } from '../index.js';
import { OsirisError } from '../index.js';
import { renderComponentPage } from './render-component-page.js';

export const OML_REFERENCE_URI = 'osiris://docs/oml-reference';
const COMPONENT_URI_PREFIX = 'osiris://components/';

/** One resource as MCP lists it. */
export interface ResourceEntry {
  uri: string;
  name: string;
  description: string;
  mimeType: string;
}

function readDocFile(installDir: string | undefined, path: string): string | null {
  if (installDir === undefined) return null;
  try {
    return readFileSync(join(installDir, 'docs', path), 'utf8');
  } catch {
    return null;
  }
}

/** docs/oml-reference.md of this install, or null when the install has no docs/. */
export function readOmlReference(installDir: string | undefined): string | null {
  return readDocFile(installDir, 'oml-reference.md');
}

/** The resources this server offers. */
export function listResources(drivers: DriverTable, installDir: string | undefined): ResourceEntry[] {
  const reference: ResourceEntry[] =
    readOmlReference(installDir) === null
      ? []
      : [
          {
            uri: OML_REFERENCE_URI,
            name: 'OML reference',
            description:
              'How to write a pipeline: top level, params, steps, needs, config, compiled manifests',
            mimeType: 'text/markdown',
          },
        ];
  const components = [...drivers.values()]
    .map((m) => m.spec)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((spec) => ({
      uri: `${COMPONENT_URI_PREFIX}${spec.name}`,
      name: `component ${spec.name}`,
      description: spec.title,
      mimeType: 'text/markdown',
    }));
  return [...reference, ...components];
}

/** The text of a resource; an unknown URI is a usage error naming the known ones. */
export function readResource(uri: string, drivers: DriverTable, installDir: string | undefined): string {
  if (uri === OML_REFERENCE_URI) {
    const text = readOmlReference(installDir);
    if (text !== null) return text;
  } else if (uri.startsWith(COMPONENT_URI_PREFIX)) {
    const name = uri.slice(COMPONENT_URI_PREFIX.length);
    const spec = drivers.get(name)?.spec;
    // the name is a key of the driver table, never a path: docs/components/<name>.md cannot escape
    if (spec)
      return readDocFile(installDir, join('components', `${spec.name}.md`)) ?? renderComponentPage(spec);
  }
  const known = listResources(drivers, installDir).map((r) => r.uri);
  throw new OsirisError('usage', `unknown resource '${uri}' (known: ${known.join(', ')})`);
}
