import type { DriverTable, EventSink, Manifest } from '../core/index.js';
import { OsirisError } from '../core/index.js';

/** Check that every driver the manifest uses is bound, in manifest order; emits the registration events. */
export function registerDrivers(manifest: Manifest, drivers: DriverTable, sink: EventSink): string[] {
  const used = [...new Set(manifest.steps.map((s) => s.driver))];
  const missing: string[] = [];
  for (const driver of used) {
    if (drivers.has(driver)) sink.event('driver_registered', { driver, status: 'ok' });
    else {
      missing.push(driver);
      sink.event('driver_registration_failed', { driver, error: 'no driver bound for this component' });
    }
  }
  if (missing.length > 0) {
    throw new OsirisError(
      'dependency_missing',
      `no driver for ${missing.join(', ')} (known: ${[...drivers.keys()].sort().join(', ')})`,
    );
  }
  sink.event('drivers_registered', { drivers: used });
  return used;
}
