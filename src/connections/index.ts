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
