import type { ConnectionLookup, ResolvedConnection } from '../core/connection.js';
import { CONNECTION_FAMILIES, OPTIONAL_CONNECTION_FAMILIES } from '../core/connection.js';
import type { ConnectionFamily } from '../core/connection.js';
import { OsirisError } from '../core/errors.js';
import { createMasker } from '../core/mask.js';
import { DSN_SCHEMES } from './connection-fields.js';
import { isSecretKey } from '../core/is-secret-key.js';
import { maskConfig } from './mask-config.js';
import { parseDsn } from '../core/parse-dsn.js';
import { isValidPort, type ConnectionEntry } from './read-connections-yaml.js';
import { listUrlSecretValues } from './list-url-secret-values.js';
import type { Template } from './parse-template.js';
import { renderTemplate, renderTemplateLeniently } from './parse-template.js';

/** One connection as `connections list` shows it. */
export interface ListedConnection {
  /** Family, e.g. `mysql`. */
  family: string;
  /** Alias within the family. */
  alias: string;
  /** True for the alias a step without `@family.alias` would get. */
  default: boolean;
  /** Fields with secrets as `***MASKED***` (`<unset: VAR>` when unset) and other unset variables as `${VAR}`. */
  fields: Record<string, unknown>;
  /** Variables the connection reads that are set neither in the environment nor in .env. */
  missing: string[];
}

/** The connections of one file (or of none), resolved lazily at run time. */
export interface ConnectionsRegistry {
  /** Resolve `@family.alias`, or the family's default when alias is undefined; throws connection_error. */
  resolve: ConnectionLookup;
  /** Every connection, masked, never failing on unset variables. */
  list(): ListedConnection[];
  /** The connections file used; undefined when none exists. */
  file: string | undefined;
  /** The file(s) looked for, for messages such as "no connections file". */
  lookedFor: string[];
}

type Vars = Record<string, string | undefined>;

function labelOf(family: string, alias: string): string {
  return `connection @${family}.${alias}`;
}

/** Add the parts of a DSN as fields and its password (raw and decoded) to the secrets; returns its query options. */
function expandDsn(
  entry: ConnectionEntry,
  fields: Record<string, unknown>,
  secrets: string[],
): Array<[string, string]> {
  const label = labelOf(entry.family, entry.alias);
  const schemes = DSN_SCHEMES[entry.family];
  const example = `${schemes[0]}://user:password@host:port/database`;
  const parts = parseDsn(String(fields.dsn));
  if (parts === 'ambiguous' || (typeof parts === 'object' && parts.ambiguous)) {
    // guessing where the password ends could send part of it as the host, and show it in messages
    throw new OsirisError(
      'config_error',
      `${label}: field 'dsn' cannot be read unambiguously: its user or password holds an unencoded '@', '#', '?' or '/' (or an '@' follows in the path or options); percent-encode them (@ as %40, # as %23, ? as %3F, / as %2F) or give host, port, user, password and database as separate fields`,
    );
  }
  if (parts === 'not_a_url' || (typeof parts === 'object' && !schemes.includes(parts.scheme))) {
    throw new OsirisError(
      'connection_error',
      `${label}: field 'dsn' must be a connection string of the form ${example} (scheme ${schemes.join(' or ')})`,
    );
  }
  if (parts === 'no_host')
    throw new OsirisError('connection_error', `${label}: field 'dsn' has no host; expected ${example}`);
  if (parts === 'bad_port') {
    throw new OsirisError(
      'connection_error',
      `${label}: field 'dsn' has a port that is not an integer from 1 to 65535`,
    );
  }
  if (parts.rawPassword) secrets.push(parts.rawPassword);
  if (parts.password) secrets.push(parts.password);
  fields.host = parts.host;
  if (parts.port !== undefined) fields.port = parts.port;
  if (parts.user !== undefined) fields.user = parts.user;
  if (parts.password !== undefined) fields.password = parts.password;
  if (parts.database !== undefined) fields.database = parts.database;
  return parts.query === undefined ? [] : [...new URLSearchParams(parts.query)];
}

/** The password inside a URL (a DSN, or a supabase `url` that carries one), raw and decoded. */
function collectUrlPassword(url: string, secrets: string[]): void {
  const parts = parseDsn(url);
  if (typeof parts === 'object' && parts.rawPassword) secrets.push(parts.rawPassword, parts.password ?? '');
}

/** Fields holding a URL whose userinfo may carry a password. */
const URL_FIELDS = ['dsn', 'url'];

/**
 * The secrets a field brings before any parsing: a secret field's whole value and the full value of each
 * variable in it; in a DSN or URL, the variables that are not provably host, port, database or user.
 */
function listFieldSecrets(name: string, value: string, template: Template, vars: Vars): string[] {
  if (isSecretKey(name)) {
    const values = template.flatMap((part) => {
      const rendered = part.kind === 'var' ? renderTemplate([part], vars) : undefined;
      return rendered && 'value' in rendered ? [rendered.value] : [];
    });
    return [value, ...values];
  }
  return URL_FIELDS.includes(name) ? listUrlSecretValues(template, vars) : [];
}

function resolveEntry(entry: ConnectionEntry, vars: Vars): ResolvedConnection {
  const label = labelOf(entry.family, entry.alias);
  const fields: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const field of entry.fields) {
    const rendered = renderTemplate(field.template, vars);
    if ('missing' in rendered) {
      throw new OsirisError(
        'connection_error',
        `${label}: field '${field.name}' needs environment variable ${rendered.missing}, which is not set (set it in the environment or in .env)`,
      );
    }
    const value = rendered.value;
    if (field.name === 'port') {
      if (!isValidPort(value)) {
        const used = field.template.flatMap((p) => (p.kind === 'var' ? [`\${${p.name}}`] : [])).join(', ');
        throw new OsirisError(
          'connection_error',
          `${label}: field 'port' must be an integer from 1 to 65535 after substituting ${used}`,
        );
      }
      fields.port = Number(value);
      continue;
    }
    fields[field.name] = value;
    secrets.push(...listFieldSecrets(field.name, value, field.template, vars));
  }
  const options = typeof fields.dsn === 'string' ? expandDsn(entry, fields, secrets) : [];
  if (typeof fields.url === 'string') collectUrlPassword(fields.url, secrets);
  return {
    family: entry.family,
    alias: entry.alias,
    fields,
    secrets: [...new Set(secrets)].filter((s) => s !== ''),
    ...(options.length > 0 ? { options } : {}),
  };
}

/** Which alias a step without `@family.alias` gets: `default: true`, else the alias named `default`. */
function findDefault(ofFamily: readonly ConnectionEntry[]): ConnectionEntry | undefined {
  return ofFamily.find((e) => e.isDefault) ?? ofFamily.find((e) => e.alias === 'default');
}

function selectDefault(entries: readonly ConnectionEntry[], family: string, file: string): ConnectionEntry {
  const marked = findDefault(entries);
  if (marked) return marked;
  throw new OsirisError(
    'connection_error',
    `no default ${family} connection in ${file}: mark one alias with default: true or name it 'default' (aliases: ${entries.map((e) => e.alias).join(', ')}), or reference one as @${family}.<alias>`,
  );
}

function findEntry(
  entries: readonly ConnectionEntry[],
  family: string,
  alias: string | undefined,
  file: string,
): ConnectionEntry {
  const ref = alias === undefined ? `a default ${family} connection` : labelOf(family, alias);
  if (!(CONNECTION_FAMILIES as readonly string[]).includes(family)) {
    throw new OsirisError(
      'connection_error',
      `unknown connection family '${family}' in ${ref}; expected one of: ${CONNECTION_FAMILIES.join(', ')}`,
    );
  }
  const ofFamily = entries.filter((e) => e.family === (family as ConnectionFamily));
  if (ofFamily.length === 0) {
    const present = [...new Set(entries.map((e) => e.family))];
    throw new OsirisError(
      'connection_error',
      `${ref} is needed but ${file} has no ${family} connections (families in the file: ${present.length ? present.join(', ') : 'none'})`,
    );
  }
  if (alias === undefined) return selectDefault(ofFamily, family, file);
  const entry = ofFamily.find((e) => e.alias === alias);
  if (entry) return entry;
  throw new OsirisError(
    'connection_error',
    `connection @${family}.${alias} not found in ${file}; ${family} aliases: ${ofFamily.map((e) => e.alias).join(', ')}`,
  );
}

/** What list() shows for a connection that cannot resolve: set variables substituted, the rest as `${VAR}`. */
function renderLeniently(
  entry: ConnectionEntry,
  vars: Vars,
): { fields: Record<string, unknown>; secrets: string[] } {
  const fields: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const field of entry.fields) {
    const { value, missing } = renderTemplateLeniently(field.template, vars);
    fields[field.name] =
      field.name === 'port' && missing.length === 0 && isValidPort(value) ? Number(value) : value;
    // The parts that did resolve are secrets too, wherever else they might show up.
    secrets.push(...listFieldSecrets(field.name, value, field.template, vars));
  }
  if (typeof fields.dsn === 'string') collectUrlPassword(fields.dsn, secrets);
  if (typeof fields.url === 'string') collectUrlPassword(fields.url, secrets);
  return { fields, secrets };
}

/** Registry over entries already read from `file`; `vars` is the environment merged over .env. */
export function createConnectionsRegistry(
  entries: readonly ConnectionEntry[],
  file: string,
  vars: Vars,
): ConnectionsRegistry {
  const resolve: ConnectionLookup = (family, alias) =>
    resolveEntry(findEntry(entries, family, alias, file), vars);
  const defaults = new Set<ConnectionEntry>();
  for (const family of CONNECTION_FAMILIES) {
    // A step without `connection` uses no filesystem connection (its paths are project-relative), so
    // no filesystem alias is shown as a default that would never be used.
    if (OPTIONAL_CONNECTION_FAMILIES.includes(family)) continue;
    const chosen = findDefault(entries.filter((e) => e.family === family));
    if (chosen) defaults.add(chosen);
  }
  const list = (): ListedConnection[] => {
    const shown = entries.map((entry) => {
      try {
        return resolveEntry(entry, vars);
      } catch {
        return renderLeniently(entry, vars);
      }
    });
    // One masker over every connection's secrets: a password reused in another connection's
    // non-secret field is still masked by value.
    const mask = createMasker(shown.flatMap((s) => s.secrets));
    return entries.map((entry, i) => {
      const fields = maskConfig((shown[i] as { fields: Record<string, unknown> }).fields, [], mask) as Record<
        string,
        unknown
      >;
      const missing = new Set<string>();
      for (const field of entry.fields) {
        const unset = renderTemplateLeniently(field.template, vars).missing;
        for (const name of unset) missing.add(name);
        // `***MASKED***` would read as "set": a secret whose variable is unset says so (names only).
        if (unset.length > 0 && isSecretKey(field.name)) fields[field.name] = `<unset: ${unset.join(', ')}>`;
      }
      return {
        family: entry.family,
        alias: entry.alias,
        default: defaults.has(entry),
        fields,
        missing: [...missing],
      };
    });
  };
  return { resolve, list, file, lookedFor: [file] };
}

/** Registry when no connections file exists: listing is empty, resolving says which file was looked for. */
export function createMissingConnectionsRegistry(lookedFor: string, hint: string): ConnectionsRegistry {
  const resolve: ConnectionLookup = (family, alias) => {
    const ref = alias === undefined ? `a default ${family} connection` : labelOf(family, alias);
    throw new OsirisError(
      'connection_error',
      `${ref} is needed but no connections file exists: looked for ${lookedFor} (${hint})`,
    );
  };
  return { resolve, list: () => [], file: undefined, lookedFor: [lookedFor] };
}
