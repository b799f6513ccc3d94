import type {
  DriverTable,
  Manifest,
  ResolvedConnection,
  RunConnections,
  ParsedStepConfig,
} from '../core/index.js';
import {
  createConnectionKey,
  createConnectionLookup,
  describeError,
  selectStepConnection,
} from '../core/index.js';

/** Resolve every connection the plan's steps use, once; failures are kept and thrown when that step runs. */
export function resolveRunConnections(
  manifest: Manifest,
  stepConfigs: ReadonlyMap<string, ParsedStepConfig>,
  drivers: DriverTable,
  resolve: (family: string, alias: string | undefined) => ResolvedConnection,
): RunConnections {
  const resolved = new Map<string, ResolvedConnection>();
  const failures = new Map<string, unknown>();
  for (const step of manifest.steps) {
    const families = drivers.get(step.driver)?.spec.connectionFamilies ?? [];
    const selected = selectStepConnection(stepConfigs.get(step.id)?.config ?? {}, families);
    if (!selected) continue;
    const key = createConnectionKey(selected.family, selected.alias);
    if (resolved.has(key) || failures.has(key)) continue;
    try {
      resolved.set(key, resolve(selected.family, selected.alias));
    } catch (error) {
      failures.set(key, error);
    }
  }
  // exactly code and message: the worker's strict protocol refuses a connection error with more keys
  const errors = new Map(
    [...failures].map(([key, error]) => {
      const { code, message } = describeError(error);
      return [key, { code, message }];
    }),
  );
  return {
    secrets: [...resolved.values()].flatMap((c) => c.secrets),
    resolved,
    errors,
    lookup: createConnectionLookup(resolved, failures, 'was not resolved for this run'),
  };
}
