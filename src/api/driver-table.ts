// The library's and CLI's binding of the driver table, and of the schema discoverers (`osiris discover`).
import type { DriverTable } from '../core/index.js';
import type { DiscoveryTable, SchemaDiscoverer } from '../core/discovery.js';
import { DRIVER_MODULES } from '../drivers/index.js';
import { mysqlDiscoverer } from '../drivers/mysql/mysql-discovery.js';
import { postgresDiscoverer } from '../drivers/postgres/postgres-discovery.js';

export function createDriverTable(): DriverTable {
  return new Map(DRIVER_MODULES.map((m) => [m.spec.name, m]));
}

/** The SQL databases' discoverers. */
const DISCOVERERS: readonly SchemaDiscoverer[] = [mysqlDiscoverer, postgresDiscoverer];

/** Connection family → the discoverer that lists its tables (families without a database have none). */
export function createDiscoveryTable(): DiscoveryTable {
  return new Map(DISCOVERERS.flatMap((d) => d.families.map((family) => [family, d] as const)));
}
