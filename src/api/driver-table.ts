// The library's and CLI's binding of the driver table.
import type { DriverTable } from '../core/index.js';
import { DRIVER_MODULES } from '../drivers/index.js';

export function createDriverTable(): DriverTable {
  return new Map(DRIVER_MODULES.map((m) => [m.spec.name, m]));
}
