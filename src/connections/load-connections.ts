import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OsirisError } from '../core/errors.js';
import { createMissingConnectionsRegistry } from './create-connections-registry.js';
import type { ConnectionsRegistry } from './create-connections-registry.js';
import { parseConnections } from './parse-connections.js';
import { parseDotenv } from './parse-dotenv.js';

/** Where to look for connections; everything explicit so callers (and tests) control it. */
export interface LoadConnectionsInput {
  /** `--connections FILE` (absolute, or relative to `root`); wins over OSIRIS_CONNECTIONS. */
  file: string | undefined;
  /** Project root: where `.env` and the default file are read; relative paths resolve here. */
  root: string;
  /** The process environment (never overridden by .env). */
  env: Record<string, string | undefined>;
}

export const DEFAULT_CONNECTIONS_FILE = 'osiris_connections.yaml';

/** File text, or undefined when it does not exist. */
function readOptional(path: string, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OsirisError('io_error', `cannot read ${what} ${path} (${code ?? 'unknown error'})`);
  }
}

/** The environment over .env: a variable set in the environment (even to '') always wins. */
export function mergeEnvironment(
  env: Record<string, string | undefined>,
  dotenv: Record<string, string>,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...dotenv };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}

/**
 * Find and read the connections file (`--connections`, else `$OSIRIS_CONNECTIONS`, else
 * `<root>/osiris_connections.yaml`) and `<root>/.env`. A missing file is not an error here: resolving a
 * connection then fails and names the file looked for.
 */
export function loadConnections(input: LoadConnectionsInput): ConnectionsRegistry {
  const dotenvPath = join(input.root, '.env');
  const dotenvText = readOptional(dotenvPath, '.env file');
  const vars = mergeEnvironment(
    input.env,
    dotenvText === undefined ? {} : parseDotenv(dotenvText, dotenvPath),
  );
  const fromEnv = input.env.OSIRIS_CONNECTIONS;
  let path: string;
  let hint: string;
  if (input.file) {
    path = resolve(input.root, input.file);
    hint = 'given with --connections';
  } else if (fromEnv) {
    path = resolve(input.root, fromEnv);
    hint = 'from OSIRIS_CONNECTIONS';
  } else {
    path = join(input.root, DEFAULT_CONNECTIONS_FILE);
    hint = `pass --connections FILE, set OSIRIS_CONNECTIONS, or create ${DEFAULT_CONNECTIONS_FILE} in ${input.root}`;
  }
  const text = readOptional(path, 'connections file');
  if (text === undefined) return createMissingConnectionsRegistry(path, hint);
  return parseConnections(text, path, vars);
}
