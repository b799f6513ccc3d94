import type { Masker, ResolvedConnection } from '../../core/index.js';
import { OsirisError, createMasker } from '../../core/index.js';
import { DatabaseFailure } from './database-failure.js';

/**
 * Where a database connection goes, read from a resolved `mysql` / `postgres` / `supabase` connection.
 * The connections registry has already resolved a DSN into host, port, user, password, database and
 * its query options (and listed its password among the secrets): nothing here parses a DSN.
 */
export interface DatabaseEndpoint {
  /** `@family.alias`, for messages. */
  label: string;
  /** Connection family. */
  family: string;
  /** Host name or address (from the fields, or a Supabase project `url`). */
  host: string | undefined;
  /** Port when given. */
  port: number | undefined;
  /** User when given. */
  user: string | undefined;
  /** Password when given (never printed). */
  password: string | undefined;
  /** Database when given. */
  database: string | undefined;
  /** Client options from the query of the connection's `dsn` (resolved by the connections registry). */
  options: ReadonlyArray<[string, string]>;
  /** The resolved fields, for the options each database names its own way (TLS). */
  fields: Readonly<Record<string, unknown>>;
  /** Host files the connection carries by path (remote runs), read instead of the sandbox's disk. */
  files: Readonly<Record<string, string>>;
  /** Masks every form of every secret of this connection. */
  mask: Masker;
}

/**
 * The options in a DSN's query, refused by name when the client cannot apply them (an option silently
 * ignored would be worse than an error).
 */
export function readDsnOptions(endpoint: DatabaseEndpoint, known: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, value] of endpoint.options) {
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

function readText(fields: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function readPort(fields: Readonly<Record<string, unknown>>, label: string): number | undefined {
  const value = fields.port;
  if (value === undefined || value === null || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OsirisError('connection_error', `${label}: field 'port' must be an integer from 1 to 65535`);
  }
  return port;
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
  const f = connection.fields;
  const dsn = readText(f, 'dsn');
  // Only a supabase connection has a `url`: its project's direct database host.
  const host = readText(f, 'host') ?? deriveSupabaseHost(readText(f, 'url'));
  if (!host && !dsn) {
    throw new OsirisError('connection_error', `connection ${label} has neither 'host' nor 'dsn'`, { where });
  }
  return {
    label,
    family: connection.family,
    host,
    port: readPort(f, `connection ${label}`),
    user: readText(f, 'user'),
    password: readText(f, 'password'),
    database: readText(f, 'database'),
    options: connection.options ?? [],
    fields: f,
    files: connection.files ?? {},
    mask: createMasker(connection.secrets),
  };
}

/** A text field of the endpoint's connection, undefined when absent or empty. */
export function readEndpointField(endpoint: DatabaseEndpoint, key: string): string | undefined {
  return readText(endpoint.fields, key);
}

/** `@family.alias (host:port/database)` without credentials, for messages. */
export function describeEndpoint(endpoint: DatabaseEndpoint, defaultPort: number): string {
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
