import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ResolvedConnection } from '../core/index.js';
import { HOST_FILE_FIELDS } from '../core/index.js';

/**
 * The connection as a sandbox needs it: the text of each readable host file that a HOST_FILE_FIELDS
 * value names by absolute path goes along in `files`. An unreadable file is left out, so the driver
 * reports it by its path.
 */
export function inlineHostFiles(connection: ResolvedConnection): ResolvedConnection {
  const files: Record<string, string> = {};
  for (const key of HOST_FILE_FIELDS) {
    const path = connection.fields[key];
    if (typeof path !== 'string' || !isAbsolute(path)) continue;
    try {
      files[path] = readFileSync(path, 'utf8');
    } catch {
      // the driver names the path in its error
    }
  }
  return Object.keys(files).length === 0 ? connection : { ...connection, files };
}
