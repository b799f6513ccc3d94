/**
 * How to reach a PostgreSQL-protocol server: TLS with libpq's `sslmode` meanings and the DSN's options.
 * The client never hands the DSN to node-postgres: its parser refuses an unencoded password that the
 * connections registry accepts, and treats `sslmode=require` as `verify-full` (refusing Supabase's
 * certificates, with a printed warning). Host, user, password and database come decoded from the
 * registry; the DSN contributes only its options.
 */
import type { ConnectionOptions } from 'node:tls';
import { OsirisError } from '../../core/index.js';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import { readDsnOptions, readEndpointField } from '../sql/database-endpoint.js';
import type { TlsFields } from '../sql/sql-dialect.js';
import type { PostgresFlavour } from './postgres-flavours.js';
import { POSTGRES_FLAVOURS } from './postgres-flavours.js';
import { chooseTls, isLocalHost, readCaCertificate } from '../sql/tls-options.js';

/** The connection fields (and DSN options) of libpq's TLS settings. */
export const POSTGRES_TLS_FIELDS: TlsFields = { mode: 'sslmode', ca: 'sslrootcert' };

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

/**
 * The connection plan of an endpoint: `sslmode`/`sslrootcert` from the fields, else from the DSN. Without
 * a mode: `disable` over loopback or a Unix socket; else `require` for `supabase` (it accepts only TLS
 * from outside) and `prefer` for `postgres`, as psql does.
 */
export function planPostgresConnection(endpoint: DatabaseEndpoint): PostgresConnectionPlan {
  const query = readDsnOptions(endpoint, ['sslmode', 'sslrootcert', ...POSTGRES_DSN_OPTIONS]);
  const given = readEndpointField(endpoint, POSTGRES_TLS_FIELDS.mode) ?? query.get('sslmode');
  // Like psql, TLS when the server offers it; not over loopback, where it protects nothing.
  const remote = !isLocalHost(endpoint.host);
  const flavour = POSTGRES_FLAVOURS[endpoint.family as PostgresFlavour] ?? POSTGRES_FLAVOURS.postgres;
  const fallback = remote ? flavour.remoteSslMode : 'disable';
  const mode = given ?? fallback;
  if (!(POSTGRES_SSL_MODES as readonly string[]).includes(mode)) {
    throw new OsirisError(
      'connection_error',
      `${endpoint.label}: sslmode '${mode}' is not one of ${POSTGRES_SSL_MODES.join(', ')}`,
    );
  }
  const sslMode = mode as PostgresSslMode;
  const rootCert = readEndpointField(endpoint, POSTGRES_TLS_FIELDS.ca) ?? query.get('sslrootcert');
  const ca =
    rootCert === undefined
      ? undefined
      : readCaCertificate(rootCert, endpoint.label, 'sslrootcert', endpoint.files);
  const dsnOptions: PostgresConnectionPlan['dsnOptions'] = {};
  for (const key of POSTGRES_DSN_OPTIONS) {
    const value = query.get(key);
    if (value !== undefined) dsnOptions[key] = value;
  }
  // libpq's `allow` also tries both ways; node-postgres can only start with TLS or without.
  const tls = chooseTls(sslMode === 'allow' ? 'prefer' : sslMode, ca);
  const ssl: false | ConnectionOptions = !tls.encrypt
    ? false
    : tls.verifyChain
      ? {
          rejectUnauthorized: true,
          ...(ca ? { ca } : {}),
          ...(tls.verifyHost ? {} : { checkServerIdentity: () => undefined }),
        }
      : { rejectUnauthorized: false };
  return { mode: sslMode, ssl, fallbackToPlain: tls.fallbackToPlain, dsnOptions };
}
