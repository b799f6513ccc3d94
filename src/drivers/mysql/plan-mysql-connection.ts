/**
 * How to reach a MySQL/MariaDB server: TLS with the MySQL client's `--ssl-mode` names and CA. Like the
 * PostgreSQL client, the MySQL client connects with the decoded DSN parts (mysql2's URL parser refuses
 * an unencoded password the registry accepts) and takes only these options from the DSN's query.
 */
import { OsirisError } from '../../core/index.js';
import type { DatabaseEndpoint } from '../sql/database-endpoint.js';
import { readDsnOptions, readEndpointField } from '../sql/database-endpoint.js';
import type { TlsFields } from '../sql/sql-dialect.js';
import type { TlsChoice, TlsLevel } from '../sql/tls-options.js';
import { chooseTls, isLocalHost, readCaCertificate } from '../sql/tls-options.js';

/** The connection fields (and DSN options) of MySQL's TLS settings. */
export const MYSQL_TLS_FIELDS: TlsFields = { mode: 'ssl_mode', ca: 'ssl_ca' };

/** MySQL's `--ssl-mode` values (any case) and the level each means. */
const MYSQL_SSL_MODES: Readonly<Record<string, TlsLevel>> = {
  DISABLED: 'disable',
  PREFERRED: 'prefer',
  REQUIRED: 'require',
  VERIFY_CA: 'verify-ca',
  VERIFY_IDENTITY: 'verify-full',
};

/** DSN options the client applies (both spellings MySQL tools use). */
const MYSQL_DSN_OPTIONS = ['ssl_mode', 'ssl-mode', 'ssl_ca', 'ssl-ca'] as const;

/**
 * The TLS choice of an endpoint: `ssl_mode`/`ssl_ca` from the fields, else from the DSN; without a
 * mode, DISABLED over loopback or a socket and PREFERRED elsewhere.
 */
export function planMysqlConnection(endpoint: DatabaseEndpoint): TlsChoice {
  const query = readDsnOptions(endpoint, MYSQL_DSN_OPTIONS);
  // Like the mysql client, TLS when the server offers it; not over loopback, where it protects nothing.
  const fallback = isLocalHost(endpoint.host) ? 'DISABLED' : 'PREFERRED';
  const given =
    readEndpointField(endpoint, MYSQL_TLS_FIELDS.mode) ??
    query.get('ssl_mode') ??
    query.get('ssl-mode') ??
    fallback;
  const level = MYSQL_SSL_MODES[given.toUpperCase()];
  if (level === undefined) {
    throw new OsirisError(
      'connection_error',
      `${endpoint.label}: ssl_mode '${given}' is not one of ${Object.keys(MYSQL_SSL_MODES).join(', ')}`,
    );
  }
  const caValue =
    readEndpointField(endpoint, MYSQL_TLS_FIELDS.ca) ?? query.get('ssl_ca') ?? query.get('ssl-ca');
  return chooseTls(
    level,
    caValue === undefined ? undefined : readCaCertificate(caValue, endpoint.label, 'ssl_ca', endpoint.files),
  );
}
