import type { ConnectionLookup, DriverTable, ResolvedConnection } from '../core/index.js';
import { OsirisError, createConnectionKey, describeError, parseConnectionRef } from '../core/index.js';
import type { CompiledPipeline } from './compile-pipeline.js';

/** Connections of one run, resolved up front on the host so every secret is known before anything is written. */
export interface RunConnections {
  /** Lookup for steps: the resolved connection, or the resolution error, at step time. */
  lookup: ConnectionLookup;
  /** Every secret value of every resolved connection. */
  secrets: string[];
  /** Successfully resolved connections keyed by createConnectionKey (for a remote worker's prepare). */
  resolved: Map<string, ResolvedConnection>;
  /** Resolution failures by the same key, as stable code and message (never a secret). */
  errors: Map<string, { code: string; message: string }>;
}

/** Resolve every connection the plan's steps reference; failures are kept and thrown when that step runs. */
export function resolveRunConnections(
  plan: CompiledPipeline,
  drivers: DriverTable,
  resolve: (family: string, alias: string | undefined) => ResolvedConnection,
): RunConnections {
  const resolved = new Map<string, ResolvedConnection>();
  const failures = new Map<string, unknown>();
  for (const step of plan.manifest.steps) {
    const families = drivers.get(step.driver)?.spec.connectionFamilies ?? [];
    if (families.length === 0) continue;
    const cfg = JSON.parse(plan.cfgTexts.get(step.id) ?? '{}') as Record<string, unknown>;
    const ref = parseConnectionRef(cfg.connection);
    const family = ref?.family ?? families[0] ?? '';
    const key = createConnectionKey(family, ref?.alias);
    if (resolved.has(key) || failures.has(key)) continue;
    try {
      resolved.set(key, resolve(family, ref?.alias));
    } catch (error) {
      failures.set(key, error);
    }
  }
  const secrets = [...resolved.values()].flatMap((c) => c.secrets);
  // exactly code and message: the worker's strict protocol refuses a connection error with more keys
  const errors = new Map(
    [...failures].map(([key, error]) => {
      const { code, message } = describeError(error);
      return [key, { code, message }];
    }),
  );
  return {
    secrets,
    resolved,
    errors,
    lookup(family, alias) {
      const key = createConnectionKey(family, alias);
      const hit = resolved.get(key);
      if (hit) return hit;
      const failure = failures.get(key);
      if (failure) throw failure;
      throw new OsirisError(
        'connection_error',
        `connection @${family}.${alias ?? 'default'} was not resolved for this run`,
      );
    },
  };
}
