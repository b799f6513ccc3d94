/**
 * How to reach a PostgreSQL-protocol server: TLS with libpq's `sslmode` meanings and the DSN's options.
 * The client never hands the DSN to node-postgres: its parser refuses an unencoded password that the
 * connections registry accepts, and treats `sslmode=require` as `verify-full` (refusing Supabase's
 * certificates, with a printed warning). Host, user, password and database come decoded from the
 * registry; the DSN contributes only its options.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { OsirisError, parseDsn } from '../core/index.js';
import type { DatabaseEndpoint } from './database-endpoint.js';

/** libpq's modes: `allow`/`prefer` try TLS and fall back to plain; `verify-*` check the certificate. */
export const POSTGRES_SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

/** DSN options besides TLS that the client applies. */
export const POSTGRES_DSN_OPTIONS = ['application_name', 'options'] as const;

/** How to connect. */
export interface PostgresConnectionPlan {
  /** The mode in effect. */
  mode: PostgresSslMode;
  /** TLS options for the client, or false for a plain connection. */
  ssl: false | ConnectionOptions;
  /** A server that refuses TLS may be asked again without it (`allow`, `prefer`). */
  fallbackToPlain: boolean;
  /** `application_name` and `options` from the DSN. */
  dsnOptions: Partial<Record<(typeof POSTGRES_DSN_OPTIONS)[number], string>>;
}

/** Loopback or a Unix socket: where a default of TLS makes no sense. */
export function isLocalHost(host: string | undefined): boolean {
  return (
    host === undefined ||
    host === '' ||
    host === 'localhost' ||
    host === '127.0.0.1' ||
    host === '::1' ||
    host === '[::1]' ||
    host.startsWith('/')
  );
}

/** The DSN's query options; an option the client cannot apply is refused rather than ignored. */
function readDsnOptions(endpoint: DatabaseEndpoint): Map<string, string> {
  const parts = endpoint.dsn ? parseDsn(endpoint.dsn) : undefined;
  const options = new Map<string, string>();
  if (typeof parts !== 'object' || parts.query === undefined) return options;
  const known: readonly string[] = ['sslmode', 'sslrootcert', ...POSTGRES_DSN_OPTIONS];
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

/** PEM text as given, or the file it names (an absolute path, so it means the same in a sandbox). */
function readRootCert(value: string, label: string): string {
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  if (!isAbsolute(value))
    throw new OsirisError(
      'connection_error',
      `${label}: 'sslrootcert' must be PEM text or an absolute file path, got '${value}'`,
    );
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new OsirisError(
      'connection_error',
      `${label}: cannot read sslrootcert ${value}: ${(error as Error).message}`,
    );
  }
}

/**
 * The connection plan of an endpoint: `sslmode`/`sslrootcert` from the fields, else from the DSN. Without
 * a mode, a `supabase` connection to a remote host uses `require` (Supabase accepts only TLS from
 * outside), anything else `disable`.
 */
export function planPostgresConnection(endpoint: DatabaseEndpoint): PostgresConnectionPlan {
  const query = readDsnOptions(endpoint);
  const given = endpoint.sslmode ?? query.get('sslmode');
  const fallback = endpoint.family === 'supabase' && !isLocalHost(endpoint.host) ? 'require' : 'disable';
  const mode = given ?? fallback;
  if (!(POSTGRES_SSL_MODES as readonly string[]).includes(mode)) {
    throw new OsirisError(
      'connection_error',
      `${endpoint.label}: sslmode '${mode}' is not one of ${POSTGRES_SSL_MODES.join(', ')}`,
    );
  }
  const sslMode = mode as PostgresSslMode;
  const rootCertValue = endpoint.sslrootcert ?? query.get('sslrootcert');
  const ca = rootCertValue === undefined ? undefined : readRootCert(rootCertValue, endpoint.label);
  const dsnOptions: PostgresConnectionPlan['dsnOptions'] = {};
  for (const key of POSTGRES_DSN_OPTIONS) {
    const value = query.get(key);
    if (value !== undefined) dsnOptions[key] = value;
  }
  const plan = { mode: sslMode, fallbackToPlain: sslMode === 'allow' || sslMode === 'prefer', dsnOptions };
  if (sslMode === 'disable') return { ...plan, ssl: false };
  // libpq: `require` with a root certificate verifies the chain, like `verify-ca`.
  const verifyChain = sslMode === 'verify-ca' || sslMode === 'verify-full' || (sslMode === 'require' && ca);
  const ssl: ConnectionOptions = verifyChain
    ? {
        rejectUnauthorized: true,
        ...(ca ? { ca } : {}),
        ...(sslMode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
      }
    : { rejectUnauthorized: false };
  return { ...plan, ssl };
}
