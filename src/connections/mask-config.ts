import { MASK } from '../core/mask.js';
import type { Masker } from '../core/mask.js';
import { isSecretKey } from '../core/is-secret-key.js';
import { findUserinfoEnd } from '../core/parse-dsn.js';

const URL_TOKEN = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]+/g;
// libpq / ODBC keyword strings: `host=h password=secret`, `Server=h;Pwd=secret;`. No spaces around `=`,
// so SQL such as `WHERE password = 'x'` in a query is left alone.
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)(=)('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s;&]+)/gi;

/** Replace the password of one URL (`scheme://user:PASS@host`), read as parseDsn reads it. */
function maskUrlToken(token: string): string {
  const start = token.indexOf('://') + 3;
  const rest = token.slice(start);
  const at = findUserinfoEnd(rest);
  if (at < 0) return token;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1 || userinfo.slice(colon + 1) === MASK) return token;
  return `${token.slice(0, start)}${userinfo.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
}

/** Mask passwords inside connection strings: `scheme://user:PASS@host` and `password=PASS` keywords. */
export function maskConnectionStrings(text: string): string {
  return text
    .replace(URL_TOKEN, maskUrlToken)
    .replace(KEYWORD_PASSWORD, (all, key: string, eq: string, value: string) =>
      value === MASK ? all : `${key}${eq}${MASK}`,
    );
}

interface MaskRules {
  names: ReadonlySet<string>;
  paths: ReadonlySet<string>;
  mask: Masker;
}

function isSecretAt(key: string, path: readonly string[], rules: MaskRules): boolean {
  return isSecretKey(key) || rules.names.has(key) || rules.paths.has(path.join('.'));
}

function maskValue(value: unknown, path: readonly string[], rules: MaskRules): unknown {
  if (typeof value === 'string') return rules.mask(maskConnectionStrings(value));
  if (Array.isArray(value)) return value.map((item) => maskValue(item, path, rules));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const itemPath = [...path, key];
    const masked = item !== null && item !== undefined && isSecretAt(key, itemPath, rules);
    // defineProperty: a `__proto__` key stays data instead of replacing the prototype.
    Object.defineProperty(copy, key, {
      value: masked ? MASK : maskValue(item, itemPath, rules),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * Deep copy of `value` safe to write: every secret-looking key (see isSecretKey) and every key in
 * `secretKeys` (a plain name matches at any depth, a dotted path such as `auth.token` from the root)
 * becomes `***MASKED***`; passwords inside connection strings are masked; then `mask` runs over every
 * string so secret values under innocent keys disappear too.
 */
export function maskConfig(value: unknown, secretKeys: readonly string[], mask: Masker): unknown {
  const names = new Set(secretKeys.filter((k) => !k.includes('.')));
  const paths = new Set(secretKeys.filter((k) => k.includes('.')));
  return maskValue(value, [], { names, paths, mask });
}
