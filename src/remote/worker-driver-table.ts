// The worker's binding of the driver table (a composition root, like the CLI's).
import type { DriverTable } from '../core/index.js';
import { DRIVER_MODULES } from '../drivers/index.js';

export function createWorkerDriverTable(): DriverTable {
  return new Map(DRIVER_MODULES.map((m) => [m.spec.name, m]));
}
