import type { Masker, ResolvedConnection } from '../core/index.js';
import { OsirisError, createMasker, parseDsn } from '../core/index.js';
import { DatabaseFailure } from './database-failure.js';

/** Where a database connection goes, read from a resolved `mysql` / `postgres` / `supabase` connection. */
export interface DatabaseEndpoint {
  /** `@family.alias`, for messages. */
  label: string;
  /** Connection family. */
  family: string;
  /** Host name or address (from the fields, the DSN or a supabase project URL). */
  host: string | undefined;
  /** Port when given. */
  port: number | undefined;
  /** User when given. */
  user: string | undefined;
  /** Password when given (never printed). */
  password: string | undefined;
  /** Database when given. */
  database: string | undefined;
  /** Connection string when the connection has one (the client parses it: it may carry options). */
  dsn: string | undefined;
  /** TLS mode from the fields (`sslmode` for PostgreSQL, `ssl_mode` for MySQL; a DSN may carry its own). */
  tlsMode: string | undefined;
  /** CA certificate, PEM text or an absolute path (`sslrootcert` for PostgreSQL, `ssl_ca` for MySQL). */
  tlsCa: string | undefined;
  /** Host files the connection carries by path (remote runs), read instead of the sandbox's disk. */
  files: Readonly<Record<string, string>>;
  /** Masks every form of every secret of this connection. */
  mask: Masker;
}

/** The connection fields (and DSN options) that carry TLS settings, in each protocol's own names. */
export const TLS_FIELDS = {
  mysql: { mode: 'ssl_mode', ca: 'ssl_ca' },
  postgres: { mode: 'sslmode', ca: 'sslrootcert' },
} as const;

/**
 * The options in a DSN's query, refused by name when the client cannot apply them (an option silently
 * ignored would be worse than an error).
 */
export function readDsnOptions(endpoint: DatabaseEndpoint, known: readonly string[]): Map<string, string> {
  const parts = endpoint.dsn ? parseDsn(endpoint.dsn) : undefined;
  const options = new Map<string, string>();
  if (typeof parts !== 'object' || parts.query === undefined) return options;
  for (const [key, value] of new URLSearchParams(parts.query)) {
    if (!known.includes(key)) {
      throw new OsirisError(
        'connection_error',
        `${endpoint.label}: the dsn option '${key}' is not supported (supported: ${known.join(', ')})`,
      );
    }
    options.set(key, value);
  }
  return options;
}

function readText(fields: Record<string, unknown>, key: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function readPort(fields: Record<string, unknown>, label: string): number | undefined {
  const value = fields.port;
  if (value === undefined || value === null || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OsirisError('connection_error', `${label}: field 'port' must be an integer from 1 to 65535`);
  }
  return port;
}

/** Passwords inside a URL, raw (as written) and decoded: both are forms to mask. */
function listUrlPasswords(url: string | undefined): string[] {
  if (!url) return [];
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start < 0 || at < start) return [];
  // Masking too much is harmless: the registry's own DSN parser already listed the exact password.
  const userinfo = url.slice(start + 3, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return [];
  const raw = userinfo.slice(colon + 1);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // an unencoded `%` in the password: keep it as written
  }
  return [raw, decoded].filter((p) => p !== '');
}

/** `https://<ref>.supabase.co` → `db.<ref>.supabase.co`: the project's direct Postgres host. */
function deriveSupabaseHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^https?:\/\/([a-z0-9-]+)\.supabase\.(co|com|net)(\/|$)/i.exec(url);
  return m ? `db.${m[1]}.supabase.${m[2]}` : undefined;
}

/** Read the endpoint of a database connection; throws `connection_error` when none was given. */
export function readDatabaseEndpoint(
  connection: ResolvedConnection | undefined,
  where: string,
): DatabaseEndpoint {
  if (!connection) {
    throw new OsirisError(
      'connection_error',
      'this component needs a connection (`connection: "@family.alias"`)',
      { where },
    );
  }
  const label = `@${connection.family}.${connection.alias}`;
  const family = connection.family === 'mysql' ? 'mysql' : 'postgres';
  const f = connection.fields;
  const dsn = readText(f, 'dsn');
  const password = readText(f, 'password');
  const serviceKey = readText(f, 'service_role_key');
  const secrets = [
    ...connection.secrets,
    ...(password ? [password] : []),
    ...(serviceKey ? [serviceKey] : []),
    ...listUrlPasswords(dsn),
    ...listUrlPasswords(readText(f, 'url')),
  ];
  // The registry puts the DSN's decoded parts in the fields; a connection built elsewhere may not have them.
  const parsed = dsn ? parseDsn(dsn) : undefined;
  const fromDsn = typeof parsed === 'object' ? parsed : undefined;
  const host =
    readText(f, 'host') ??
    fromDsn?.host ??
    (connection.family === 'supabase' ? deriveSupabaseHost(readText(f, 'url')) : undefined);
  if (!host && !dsn) {
    throw new OsirisError('connection_error', `connection ${label} has neither 'host' nor 'dsn'`, { where });
  }
  return {
    label,
    family: connection.family,
    host,
    port: readPort(f, `connection ${label}`) ?? fromDsn?.port,
    user: readText(f, 'user') ?? fromDsn?.user,
    password: password ?? fromDsn?.password,
    database: readText(f, 'database') ?? fromDsn?.database,
    dsn,
    tlsMode: readText(f, TLS_FIELDS[family].mode),
    tlsCa: readText(f, TLS_FIELDS[family].ca),
    files: connection.files ?? {},
    mask: createMasker(secrets),
  };
}

/** `@family.alias (host:port/database)` without credentials, for messages. */
export function describeEndpoint(endpoint: DatabaseEndpoint, defaultPort: number): string {
  // A DSN's host, port and database are already in the endpoint (readDatabaseEndpoint).
  const { host, port, database } = endpoint;
  return endpoint.mask(
    `${endpoint.label} (${host ?? '?'}:${port ?? defaultPort}${database ? `/${database}` : ''})`,
  );
}

/**
 * Work out how to connect (TLS, DSN options) before connecting: a refusal is a deterministic, masked
 * connection failure of this step, never retried.
 */
export function planConnection<T>(
  endpoint: DatabaseEndpoint,
  where: string,
  plan: (e: DatabaseEndpoint) => T,
): T {
  try {
    return plan(endpoint);
  } catch (error) {
    const e = error as OsirisError;
    throw new DatabaseFailure(e.code, endpoint.mask(e.message), 'deterministic', undefined, where);
  }
}
