import { createConnectionsRegistry } from './create-connections-registry.js';
import type { ConnectionsRegistry } from './create-connections-registry.js';
import { readConnectionsYaml } from './read-connections-yaml.js';

/**
 * Parse connections YAML text (pure). `env` is every variable `${VAR}` may read, the environment already
 * merged over .env. Structural problems throw config_error with file:line:col now; variables are
 * substituted only when a connection is resolved.
 */
export function parseConnections(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
): ConnectionsRegistry {
  return createConnectionsRegistry(readConnectionsYaml(text, file), file, env);
}
