/** Connection families and the fields each may carry (docs/connections.md). */
export const CONNECTION_FAMILIES = ['mysql', 'postgres', 'supabase', 'filesystem'] as const;
export type ConnectionFamily = (typeof CONNECTION_FAMILIES)[number];

/** A connection after `${VAR}` substitution: only ever in memory, never written. */
export interface ResolvedConnection {
  /** Family, e.g. `mysql`. */
  family: string;
  /** Alias within the family. */
  alias: string;
  /** Field values after substitution (host, port, user, password, database, dsn, ...). */
  fields: Record<string, unknown>;
  /** Every secret value in `fields` (passwords, keys, passwords inside DSNs), for masking. */
  secrets: string[];
  /** Text of host files named by HOST_FILE_FIELDS, by path: sent to sandboxes, which lack the files. */
  files?: Record<string, string>;
}

/**
 * Connection fields whose value may name a file on the host (a CA certificate) instead of holding its
 * PEM text. A remote run sends the file's text along (ResolvedConnection.files), since the sandbox has
 * no such file; the field keeps the path, so both runs record the same config.
 */
export const HOST_FILE_FIELDS = ['sslrootcert', 'ssl_ca'] as const;

/** Looks up a connection by `@family.alias` (or family default); throws OsirisError('connection_error'). */
export type ConnectionLookup = (family: string, alias: string | undefined) => ResolvedConnection;

/** Parse `@family.alias` into its parts; undefined when the text is not a reference. */
export function parseConnectionRef(ref: unknown): { family: string; alias: string } | undefined {
  if (typeof ref !== 'string') return undefined;
  const m = /^@([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)$/.exec(ref);
  return m ? { family: m[1] as string, alias: m[2] as string } : undefined;
}

/** Key of a connection within one run: `family.alias`, or `family.*default` for the family's default. */
export function createConnectionKey(family: string, alias: string | undefined): string {
  return `${family}.${alias ?? '*default'}`;
}
