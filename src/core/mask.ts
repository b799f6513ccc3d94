import { findLastUserinfoEnd } from './parse-dsn.js';

/** The replacement for every secret value. */
export const MASK = '***MASKED***';

/** Replaces secret values in free text (log lines, messages); built once per run from the resolved secrets. */
export type Masker = (text: string) => string;

/**
 * Secrets shorter than this are not searched for everywhere in free text: masking every `k9`, `a` or
 * `42` would destroy logs while protecting nothing (such a password falls to guessing). They are masked
 * by key (password fields), inside connection strings, and in credential positions of free text
 * (`:k9!@` in a URL, `password=k9!`). See docs/connections.md.
 */
export const MIN_FREE_TEXT_SECRET_LENGTH = 4;

/** The secret as a server reads it back: percent-decoded (a DSN option) and with backslash escapes undone. */
function listReadForms(secret: string): string[] {
  let decoded = secret;
  try {
    decoded = decodeURIComponent(secret);
  } catch {
    // not percent-encoded text
  }
  const unescaped = (text: string): string => text.replace(/\\(.)/gs, '$1');
  // A read form shorter than a free-text secret would be masked everywhere in the logs.
  return [decoded, unescaped(secret), unescaped(decoded)].filter(
    (f) => f.length >= MIN_FREE_TEXT_SECRET_LENGTH,
  );
}

/**
 * Every form a secret can take on its way into a file: raw, URL-encoded, JSON-escaped (once and
 * twice), base64 (padded, unpadded, url-safe), hex, and as a server reads it back (percent-decoded,
 * backslash escapes undone: a value in a DSN's `options` comes back decoded in the server's error).
 * Case variants are covered by matching without case.
 */
export function listSecretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = bytes.toString('base64');
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    encodeURI(secret),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(JSON.stringify(secret)).slice(3, -3),
    b64,
    b64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    ...listReadForms(secret),
  ]);
  return [...forms].filter((f) => f !== '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alternation(forms: Iterable<string>): string {
  return [...forms]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
}

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const TOKEN_END = /[\s"'<>]/;
// libpq / ODBC keyword strings: `host=h password=secret`, `Server=h;Pwd=secret;`. No spaces around `=`,
// so SQL such as `WHERE password = 'x'` in a query is left alone.
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)(=)('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s;&]+)/gi;

/**
 * The URL with its userinfo password masked, whatever characters the password holds: everything from
 * the userinfo's first `:` to the last `@` that a plausible host follows is replaced, so an unencoded
 * `@ # ? /` in the password cannot leave a tail visible (a legitimate `@` later in the query makes the
 * mask longer, never shorter).
 */
export function maskUrlPassword(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s.exec(url);
  if (!m) return url;
  const head = m[1] as string;
  const rest = m[2] as string;
  // With no plausible host after any `@` (a bad port: `u:pw@h:abc`), the last `@` still ends the userinfo.
  const plausible = findLastUserinfoEnd(rest);
  const at = plausible >= 0 ? plausible : rest.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1 || userinfo.slice(colon + 1) === MASK) return url;
  // ...unless the text before that `:` is no user name (`host/path?mail=a:b@c`): nothing to mask there.
  if (plausible < 0 && /[/?#]/.test(userinfo.slice(0, colon))) return url;
  return `${head}${userinfo.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
}

/**
 * Mask the password of every `scheme://...` token of free text (a token ends at whitespace, a quote or
 * `<>`). Scanned from each `://` outwards rather than with a regular expression: a scheme-like pattern
 * backtracks quadratically over a long run of letters (a 1 MB error message).
 */
function maskUrlTokens(text: string): string {
  let out = '';
  let last = 0;
  for (let i = text.indexOf('://'); i >= 0; i = text.indexOf('://', Math.max(i + 3, last))) {
    let start = i;
    while (start > last && SCHEME_CHAR.test(text[start - 1] as string)) start--;
    while (start < i && !/[A-Za-z]/.test(text[start] as string)) start++;
    if (start === i) continue;
    let end = i + 3;
    while (end < text.length && !TOKEN_END.test(text[end] as string)) end++;
    out += text.slice(last, start) + maskUrlPassword(text.slice(start, end));
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Mask passwords inside connection strings in free text: `scheme://user:PASS@host` and `password=PASS`. */
export function maskConnectionStrings(text: string): string {
  return maskUrlTokens(text).replace(KEYWORD_PASSWORD, (all, key: string, eq: string, value: string) =>
    value === MASK ? all : `${key}${eq}${MASK}`,
  );
}

/**
 * Build the free-text masker for these secret values: connection-string passwords always; secrets of
 * MIN_FREE_TEXT_SECRET_LENGTH or more in every form, anywhere, any case; shorter ones only where they
 * sit as a credential (`:SECRET@`, `password=SECRET`). Structured data goes through maskStructure,
 * which applies this to string values only.
 */
export function createMasker(secrets: Iterable<string>): Masker {
  const anywhere = new Set<string>();
  const credential = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s === '') continue;
    if (s.length >= MIN_FREE_TEXT_SECRET_LENGTH) for (const f of listSecretForms(s)) anywhere.add(f);
    else for (const f of [s, encodeURIComponent(s)]) credential.add(f);
  }
  const values = anywhere.size > 0 ? new RegExp(alternation(anywhere), 'gi') : undefined;
  const short = alternation(credential);
  const credentials =
    credential.size > 0
      ? new RegExp(`(?<=:)(?:${short})(?=@)|(?<=\\b(?:password|passwd|pwd)=)(?:${short})(?![^\\s;&'"])`, 'gi')
      : undefined;
  return (text) => {
    if (typeof text !== 'string') return text;
    let out = text;
    if (values) out = out.replace(values, MASK);
    if (credentials) out = out.replace(credentials, MASK);
    return maskConnectionStrings(out);
  };
}

/** Finds secrets in text that must not hold one by construction (verified, never rewritten). */
export interface SecretFinder {
  /** True when `text` holds any form of a long secret (any case), or is a short secret as a whole. */
  contains(text: string): boolean;
  /** True when `text` is a secret as a whole (any case): for identifiers. */
  equals(text: string): boolean;
}

/** Build a SecretFinder for these secret values. */
export function createSecretFinder(secrets: Iterable<string>): SecretFinder {
  const list = [...secrets].filter((s) => typeof s === 'string' && s !== '');
  const long = list.filter((s) => s.length >= MIN_FREE_TEXT_SECRET_LENGTH).flatMap(listSecretForms);
  const pattern = long.length > 0 ? new RegExp(alternation(long), 'i') : undefined;
  const whole = new Set(list.map((s) => s.toLowerCase()));
  const equals = (text: string): boolean => whole.has(text.toLowerCase());
  return { equals, contains: (text) => equals(text) || (pattern?.test(text) ?? false) };
}
