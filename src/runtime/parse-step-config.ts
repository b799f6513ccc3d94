import type { ParsedStepConfig } from '../core/index.js';
import { CFG_META_KEYS } from '../core/index.js';

/** Parse a step's cfg text once: the driver's config, and the compiler's meta keys it held. */
export function parseStepConfig(cfgText: string): ParsedStepConfig {
  const parsed = JSON.parse(cfgText) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  const metaKeys: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if ((CFG_META_KEYS as readonly string[]).includes(key)) metaKeys.push(key);
    else config[key] = value;
  }
  return { config, metaKeys };
}

/** Every step's cfg parsed once, by step id (a plan's cfgTexts). */
export function parseStepConfigs(cfgTexts: ReadonlyMap<string, string>): Map<string, ParsedStepConfig> {
  return new Map([...cfgTexts].map(([id, text]) => [id, parseStepConfig(text)]));
}
