export {
  createConnectionsRegistry,
  createMissingConnectionsRegistry,
} from './create-connections-registry.js';
export type { ConnectionsRegistry, ListedConnection } from './create-connections-registry.js';
export { isSecretKey } from '../core/is-secret-key.js';
export { DEFAULT_CONNECTIONS_FILE, loadConnections, mergeEnvironment } from './load-connections.js';
export type { LoadConnectionsInput } from './load-connections.js';
export { maskConfig, maskConnectionStrings } from './mask-config.js';
export { parseConnections } from './parse-connections.js';
export { parseDotenv } from './parse-dotenv.js';
export { parseDsn } from './parse-dsn.js';
export type { DsnParts, DsnProblem } from './parse-dsn.js';
