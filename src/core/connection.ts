import { OsirisError } from './errors.js';

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
  /** Client options from the query of a `dsn` (`?sslmode=require`), by name, in order. */
  options?: Array<[string, string]>;
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

/** Which connection a step uses: family and alias (undefined: the family's default), and the reference text. */
export interface StepConnectionRef {
  /** Family, e.g. `postgres`. */
  family: string;
  /** Alias, or undefined for the family's default connection. */
  alias: string | undefined;
  /** The cfg's `connection` text, or `@family` when the step names none (for the resolve event). */
  ref: string;
}

/**
 * Families whose connection is optional: a step that names none uses no connection at all (a file
 * component's `path` then resolves against the project directory, as it did before the family existed).
 */
export const OPTIONAL_CONNECTION_FAMILIES: readonly string[] = ['filesystem'];

/**
 * The connection a step uses, from its cfg's `connection` reference; a step that names none uses the
 * default of its component's first family (none for OPTIONAL_CONNECTION_FAMILIES). Undefined for
 * components that take no connection.
 */
export function selectStepConnection(
  config: Readonly<Record<string, unknown>>,
  families: readonly string[],
): StepConnectionRef | undefined {
  if (families.length === 0) return undefined;
  const text = config.connection;
  const parsed = parseConnectionRef(text);
  if (!parsed && OPTIONAL_CONNECTION_FAMILIES.includes(families[0] ?? '')) return undefined;
  const family = parsed?.family ?? families[0] ?? '';
  return { family, alias: parsed?.alias, ref: typeof text === 'string' ? text : `@${family}` };
}

/** The connections of one run, resolved once on the host before anything is written. */
export interface RunConnections {
  /** Lookup for steps: the resolved connection, or the resolution error, at step time. */
  lookup: ConnectionLookup;
  /** Every secret value of every resolved connection. */
  secrets: string[];
  /** Resolved connections keyed by createConnectionKey (what a sandbox worker gets). */
  resolved: ReadonlyMap<string, ResolvedConnection>;
  /** Resolution failures by the same key, as stable code and message (never a secret). */
  errors: ReadonlyMap<string, { code: string; message: string }>;
}

/**
 * A lookup over connections resolved ahead of the steps (by createConnectionKey): the connection, the
 * failure recorded for its key (thrown as it was), or an error saying the run never resolved it.
 */
export function createConnectionLookup(
  resolved: ReadonlyMap<string, ResolvedConnection>,
  failures: ReadonlyMap<string, unknown>,
  whyMissing: string,
): ConnectionLookup {
  return (family, alias) => {
    const key = createConnectionKey(family, alias);
    const hit = resolved.get(key);
    if (hit) return hit;
    if (failures.has(key)) throw failures.get(key);
    throw new OsirisError('connection_error', `connection @${family}.${alias ?? 'default'} ${whyMissing}`);
  };
}
