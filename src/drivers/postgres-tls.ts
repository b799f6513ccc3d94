/**
 * TLS for the PostgreSQL protocol with libpq's `sslmode` meanings. node-postgres treats `require` and
 * `verify-ca` in a DSN as `verify-full` (and prints a warning), which refuses Supabase's certificates;
 * so both keys are taken out of the DSN and applied here.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { OsirisError } from '../core/index.js';
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

/** How to connect. */
export interface PostgresTlsPlan {
  /** The mode in effect. */
  mode: PostgresSslMode;
  /** TLS options for the client, or false for a plain connection. */
  ssl: false | ConnectionOptions;
  /** A server that refuses TLS may be asked again without it (`allow`, `prefer`). */
  fallbackToPlain: boolean;
  /** The DSN without `sslmode`/`sslrootcert`, when the connection has one. */
  dsn: string | undefined;
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

interface DsnParts {
  dsn: string;
  host: string | undefined;
  mode: string | undefined;
  rootCert: string | undefined;
}

function splitDsn(dsn: string): DsnParts {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return { dsn, host: undefined, mode: undefined, rootCert: undefined };
  }
  const mode = url.searchParams.get('sslmode') ?? undefined;
  const rootCert = url.searchParams.get('sslrootcert') ?? undefined;
  if (mode === undefined && rootCert === undefined) return { dsn, host: url.hostname, mode, rootCert };
  url.searchParams.delete('sslmode');
  url.searchParams.delete('sslrootcert');
  return { dsn: url.toString(), host: url.hostname, mode, rootCert };
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
 * The TLS plan of an endpoint: `sslmode`/`sslrootcert` from the fields, else from the DSN. Without
 * a mode, a `supabase` connection to a remote host uses `require` (Supabase accepts only TLS from
 * outside), anything else `disable`.
 */
export function planPostgresTls(endpoint: DatabaseEndpoint): PostgresTlsPlan {
  const parts = endpoint.dsn ? splitDsn(endpoint.dsn) : undefined;
  const host = endpoint.host ?? parts?.host;
  const given = endpoint.sslmode ?? parts?.mode;
  const fallback = endpoint.family === 'supabase' && !isLocalHost(host) ? 'require' : 'disable';
  const mode = given ?? fallback;
  if (!(POSTGRES_SSL_MODES as readonly string[]).includes(mode)) {
    throw new OsirisError(
      'connection_error',
      `${endpoint.label}: sslmode '${mode}' is not one of ${POSTGRES_SSL_MODES.join(', ')}`,
    );
  }
  const sslMode = mode as PostgresSslMode;
  const rootCertValue = endpoint.sslrootcert ?? parts?.rootCert;
  const ca = rootCertValue === undefined ? undefined : readRootCert(rootCertValue, endpoint.label);
  const dsn = parts?.dsn;
  if (sslMode === 'disable') return { mode: sslMode, ssl: false, fallbackToPlain: false, dsn };
  // libpq: `require` with a root certificate verifies the chain, like `verify-ca`.
  const verifyChain = sslMode === 'verify-ca' || sslMode === 'verify-full' || (sslMode === 'require' && ca);
  const ssl: ConnectionOptions = verifyChain
    ? {
        rejectUnauthorized: true,
        ...(ca ? { ca } : {}),
        ...(sslMode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
      }
    : { rejectUnauthorized: false };
  return { mode: sslMode, ssl, fallbackToPlain: sslMode === 'allow' || sslMode === 'prefer', dsn };
}
