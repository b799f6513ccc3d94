/** The parts of a `scheme://user:password@host:port/database?options` connection string, URL-decoded. */
export interface DsnParts {
  /** Scheme without `://`, lower-cased. */
  scheme: string;
  /** Host name or address (IPv6 without brackets). */
  host: string;
  /** Port, when the string has one. */
  port?: number;
  /** User, decoded. */
  user?: string;
  /** Password, decoded. */
  password?: string;
  /** Password as written (possibly percent-encoded): a second form to mask. */
  rawPassword?: string;
  /** Database, decoded. */
  database?: string;
  /** Options after `?` as written (without the `?` and any `#fragment`), when there are any. */
  query?: string;
  /**
   * True when the string can be read more than one way: more than one `@`, or an `@` after a `/ ? #`
   * (an unencoded special character in the password). The parts are then the best guess; the
   * connections registry refuses such a DSN rather than guess where a password ends.
   */
  ambiguous?: true;
}

/** Why a connection string could not be parsed; never carries its text (it holds a password). */
export type DsnProblem = 'not_a_url' | 'no_host' | 'bad_port' | 'ambiguous';

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` in an unencoded password: keep it as written.
    return text;
  }
}

/** Parse `host[:port]`, `[ipv6][:port]`; undefined port text when none. */
function splitHostPort(hostPort: string): { host: string; portText: string | undefined } {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) return { host: '', portText: undefined };
    const after = hostPort.slice(end + 1);
    // Anything after `]` but `:port` (`[::1]x:1`) is a bad port, not ignored.
    if (after === '') return { host: hostPort.slice(1, end), portText: undefined };
    return { host: hostPort.slice(1, end), portText: after.startsWith(':') ? after.slice(1) : after };
  }
  const colon = hostPort.lastIndexOf(':');
  return colon < 0
    ? { host: hostPort, portText: undefined }
    : { host: hostPort.slice(0, colon), portText: hostPort.slice(colon + 1) };
}

const HOST_PORT = /^(\[[^\]]*\]|[^:@[\]]*)(:[0-9]*)?$/;

/** True when `after` (the text behind a userinfo `@`) reads as `host[:port][/database][?options]`. */
function isPlausibleAfterUserinfo(after: string): boolean {
  const hostEnd = after.search(/[/?#]/);
  const hostPort = hostEnd < 0 ? after : after.slice(0, hostEnd);
  if (hostPort === '' || !HOST_PORT.test(hostPort)) return false;
  const path = hostEnd >= 0 && after[hostEnd] === '/' ? (after.slice(hostEnd).split(/[?#]/)[0] ?? '') : '';
  return !path.includes('@');
}

/**
 * Index of the `@` that ends the userinfo in the text after `scheme://` (-1: none). The standard reading
 * (the authority's last `@`) wins when what follows it is a plausible host and path; otherwise an
 * unencoded `/ ? # @` in the password broke it (`u:pa/ss@host/db`), and the last `@` followed by a
 * plausible host is taken.
 */
export function findUserinfoEnd(rest: string): number {
  const authorityEnd = rest.search(/[/?#]/);
  const at = (authorityEnd < 0 ? rest : rest.slice(0, authorityEnd)).lastIndexOf('@');
  if (isPlausibleAfterUserinfo(rest.slice(at + 1))) return at;
  for (let i = rest.lastIndexOf('@'); i > at; i = i === 0 ? -1 : rest.lastIndexOf('@', i - 1)) {
    if (isPlausibleAfterUserinfo(rest.slice(i + 1))) return i;
  }
  return at;
}

/**
 * Index of the last `@` in the text after `scheme://` that a plausible `host[:port][/path]` follows
 * (-1: none). Masking uses it: whatever an unencoded password holds, the real userinfo ends there or
 * later, never earlier.
 */
export function findLastUserinfoEnd(rest: string): number {
  // a bounded number of candidates: free text may hold a token with thousands of `@`
  let tries = 0;
  for (let i = rest.lastIndexOf('@'); i >= 0 && tries < 32; i = i === 0 ? -1 : rest.lastIndexOf('@', i - 1)) {
    tries++;
    if (isPlausibleAfterUserinfo(rest.slice(i + 1))) return i;
  }
  return tries === 32 ? rest.lastIndexOf('@') : -1;
}

/** True when the text after `scheme://` has more than one `@`, or an `@` after a `/ ? #`. */
function isAmbiguousUserinfo(rest: string): boolean {
  const at = rest.indexOf('@');
  if (at < 0) return false;
  if (rest.indexOf('@', at + 1) >= 0) return true;
  const delimiter = rest.search(/[/?#]/);
  return delimiter >= 0 && delimiter < at;
}

/**
 * Parse a URL-style connection string. Special characters in the password should be percent-encoded;
 * unencoded ones are accepted where the string stays unambiguous.
 */
export function parseDsn(dsn: string): DsnParts | DsnProblem {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(dsn.trim());
  if (!m) return 'not_a_url';
  const parts = readDsn(m[1] as string, m[2] as string);
  // a reading that fails because of an unencoded character in the password is reported as such
  return typeof parts === 'string' && isAmbiguousUserinfo(m[2] as string) ? 'ambiguous' : parts;
}

function readDsn(schemeText: string, rest: string): DsnParts | DsnProblem {
  const scheme = schemeText.toLowerCase();
  const parts: DsnParts = { scheme, host: '' };
  // An ambiguous string is read with the last plausible `@`: a password tail never becomes a host or
  // options (and so never shows in a message); the registry refuses such a string anyway.
  if (isAmbiguousUserinfo(rest)) parts.ambiguous = true;
  const last = parts.ambiguous ? findLastUserinfoEnd(rest) : -1;
  const at = last >= 0 ? last : findUserinfoEnd(rest);
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (user) parts.user = decode(user);
    if (colon >= 0) {
      parts.rawPassword = userinfo.slice(colon + 1);
      parts.password = decode(parts.rawPassword);
    }
  }
  const afterUser = rest.slice(at + 1);
  const hostEnd = afterUser.search(/[/?#]/);
  const { host, portText } = splitHostPort(hostEnd < 0 ? afterUser : afterUser.slice(0, hostEnd));
  if (!host) return 'no_host';
  parts.host = decode(host);
  if (portText !== undefined && portText !== '') {
    if (!/^[0-9]+$/.test(portText)) return 'bad_port';
    const port = Number(portText);
    if (port < 1 || port > 65535) return 'bad_port';
    parts.port = port;
  }
  const queryStart = hostEnd < 0 ? -1 : afterUser.indexOf('?', hostEnd);
  if (queryStart >= 0) {
    const query = afterUser.slice(queryStart + 1).split('#')[0] ?? '';
    if (query) parts.query = query;
  }
  if (hostEnd >= 0 && afterUser[hostEnd] === '/') {
    const database = decode((afterUser.slice(hostEnd + 1).split(/[?#]/)[0] ?? '').replace(/\/+$/, ''));
    if (database) parts.database = database;
  }
  return parts;
}
