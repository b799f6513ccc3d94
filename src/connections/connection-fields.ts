import type { ConnectionFamily } from '../core/connection.js';

const DATABASE_FIELDS = ['host', 'port', 'user', 'password', 'database', 'dsn'] as const;
/** TLS of the PostgreSQL protocol (libpq meanings; a DSN may carry them in its query instead). */
const POSTGRES_TLS_FIELDS = ['sslmode', 'sslrootcert'] as const;
/** TLS of MySQL/MariaDB (the MySQL client's --ssl-mode and --ssl-ca). */
const MYSQL_TLS_FIELDS = ['ssl_mode', 'ssl_ca'] as const;

/** Fields each family accepts besides `default` (docs/connections.md). */
export const FAMILY_FIELDS: Readonly<Record<ConnectionFamily, readonly string[]>> = {
  mysql: [...DATABASE_FIELDS, ...MYSQL_TLS_FIELDS],
  postgres: [...DATABASE_FIELDS, ...POSTGRES_TLS_FIELDS],
  supabase: [...DATABASE_FIELDS, ...POSTGRES_TLS_FIELDS, 'url', 'service_role_key'],
  filesystem: ['base_dir'],
};

/** Fields a `dsn` replaces: giving both is ambiguous. */
export const DSN_EXCLUSIVE_FIELDS = ['host', 'port', 'user', 'password', 'database'] as const;

/** Each family needs at least one of these fields. */
export const FAMILY_REQUIRED_ANY: Readonly<Record<ConnectionFamily, readonly string[]>> = {
  mysql: ['host', 'dsn'],
  postgres: ['host', 'dsn'],
  supabase: ['host', 'dsn', 'url'],
  filesystem: ['base_dir'],
};

/** URL schemes a family's `dsn` may use. */
export const DSN_SCHEMES: Readonly<Record<ConnectionFamily, readonly string[]>> = {
  mysql: ['mysql', 'mariadb'],
  postgres: ['postgres', 'postgresql'],
  supabase: ['postgres', 'postgresql'],
  filesystem: [],
};
