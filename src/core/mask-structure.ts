import { isSecretKey } from './is-secret-key.js';
import type { Masker } from './mask.js';
import { MASK, maskUrlPassword } from './mask.js';

/**
 * Keys whose string values are identifiers or enumerations the code or the compiled plan fills in —
 * timestamps, session and step ids, event/metric names, codes, component and connection names, paths
 * of outputs — never free text that could carry a secret. Their values are left as they are, so a
 * password that is a common word (`2026`, `step`, `postgres`) cannot rewrite a timestamp, an event name
 * or a status field. The plan they come from is verified secret-free before a run starts.
 */
export const PLAIN_KEYS: ReadonlySet<string> = new Set([
  'ts',
  'session',
  'session_id',
  'event',
  'metric',
  'unit',
  'step_id',
  'failed_step',
  'pipeline_id',
  'manifest_fp',
  'sha256',
  'driver',
  'drivers',
  'component',
  'mode',
  'status',
  'code',
  'error_code',
  'error_type',
  'type',
  'level',
  'cmd',
  'adapter',
  'transport',
  'started_at',
  'finished_at',
  'family',
  'alias',
  'ref',
  'connection',
  'cfg_path',
  'outputFiles',
  'archive_path',
  '_step',
  '_component',
  '_mode',
]);

/** Keys whose value is a URL or connection string: its password is masked whatever characters it holds. */
function isUrlKey(key: string): boolean {
  return /(^|_)(dsn|url|uri)$/i.test(key);
}

/**
 * A URL with its password masked by position (maskUrlPassword: also when the host does not parse), then
 * the rest by value; the scheme stays readable. With no `scheme://` at all, a keyword string
 * (`host=h password=x`) shows its password masked and any other value (a password pasted as the DSN)
 * is masked whole.
 */
function maskUrl(url: string, mask: Masker): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0];
  if (scheme === undefined) return /^\s*[\w.-]+\s*=/.test(url) ? mask(url) : MASK;
  return `${scheme}${mask(maskUrlPassword(url).slice(scheme.length))}`;
}

export interface MaskStructureOptions {
  /** Extra secret keys: a plain name matches at any depth, a dotted path (`auth.token`) from the root. */
  secretKeys?: readonly string[];
  /** Keys whose values are kept as they are (default PLAIN_KEYS). */
  plainKeys?: ReadonlySet<string>;
}

interface Rules {
  names: ReadonlySet<string>;
  paths: ReadonlySet<string>;
  plain: ReadonlySet<string>;
  mask: Masker;
}

function maskNode(value: unknown, path: readonly string[], rules: Rules): unknown {
  if (typeof value === 'string') return rules.mask(value);
  if (Array.isArray(value)) return value.map((item) => maskNode(item, path, rules));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPath = [...path, key];
    let masked: unknown;
    if (item === null || item === undefined) masked = item;
    else if (isSecretKey(key) || rules.names.has(key) || rules.paths.has(itemPath.join('.'))) masked = MASK;
    else if (rules.plain.has(key)) masked = item;
    else if (typeof item === 'string' && isUrlKey(key)) masked = maskUrl(item, rules.mask);
    else masked = maskNode(item, itemPath, rules);
    // defineProperty: a `__proto__` key stays data instead of replacing the prototype.
    Object.defineProperty(copy, key, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/**
 * Deep copy of a JSON value safe to write — masking works on structure, never on serialized text:
 * a secret-looking key (isSecretKey) or a key in `secretKeys` becomes `***MASKED***` whatever the
 * length of its value; a DSN/URL under a `dsn`/`url` key shows its password masked; every other string
 * value goes through `mask`. Keys, numbers, booleans and null never change, nor the values of
 * PLAIN_KEYS (identifiers and enumerations).
 */
export function maskStructure(value: unknown, mask: Masker, options: MaskStructureOptions = {}): unknown {
  const secretKeys = options.secretKeys ?? [];
  return maskNode(value, [], {
    names: new Set(secretKeys.filter((k) => !k.includes('.'))),
    paths: new Set(secretKeys.filter((k) => k.includes('.'))),
    plain: options.plainKeys ?? PLAIN_KEYS,
    mask,
  });
}
