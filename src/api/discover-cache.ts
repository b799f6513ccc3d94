// The discovery cache: `<project>/.osiris/discovery/<fingerprint>.json`, one file per connection, keyed
// by the connection's non-secret identity (family, alias, host, port, database, user: never the password),
// holding one answer per request (schema, tables, sample size). Written atomically (temp file + rename).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveredSchema } from '../core/discovery.js';
import type { ResolvedConnection } from '../core/index.js';
import { createFingerprint, makeDirectory, writeCanonicalJson } from '../core/index.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Directory under the project root. */
export const DISCOVERY_CACHE_DIR = join('.osiris', 'discovery');

/** Bumped when the cached answer's shape changes: older files are then ignored. */
const CACHE_VERSION = 1;

/** What identifies a connection's server and login, without its secrets. */
export interface ConnectionIdentity {
  /** Connection family. */
  family: string;
  /** Alias within the family. */
  alias: string;
  /** Host (a Supabase connection's project `url` when it has no host). */
  host: string | null;
  /** Port as written. */
  port: string | null;
  /** Database. */
  database: string | null;
  /** Login user. */
  user: string | null;
}

/** A cached answer and when it was read from the server. */
export interface CachedAnswer {
  /** When the server was read (ISO 8601). */
  discovered_at: string;
  /** What it answered (samples already masked). */
  result: DiscoveredSchema;
}

interface CacheFile {
  version: number;
  connection: ConnectionIdentity;
  answers: Record<string, CachedAnswer>;
}

function readField(connection: ResolvedConnection, key: string): string | null {
  const value = connection.fields[key];
  return value === undefined || value === null || value === '' ? null : String(value);
}

/** The non-secret identity of a connection (a Supabase `url` stands for its host). */
export function readConnectionIdentity(connection: ResolvedConnection): ConnectionIdentity {
  return {
    family: connection.family,
    alias: connection.alias,
    host: readField(connection, 'host') ?? readField(connection, 'url'),
    port: readField(connection, 'port'),
    database: readField(connection, 'database'),
    user: readField(connection, 'user'),
  };
}

/** The cache file of a connection in a project. */
export function locateCacheFile(projectRoot: string, identity: ConnectionIdentity): string {
  const hex = createFingerprint(writeCanonicalJson(identity)).slice('sha256:'.length);
  return join(projectRoot, DISCOVERY_CACHE_DIR, `${hex.slice(0, 32)}.json`);
}

/** The key of one request within a connection's file. */
export function createRequestKey(request: {
  schema?: string;
  tables?: readonly string[];
  sample: number;
}): string {
  return writeCanonicalJson({
    schema: request.schema ?? null,
    tables: request.tables && request.tables.length > 0 ? [...new Set(request.tables)].sort() : null,
    sample: request.sample,
  });
}

function readCacheFile(path: string, identity: ConnectionIdentity): CacheFile | undefined {
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
    // a different connection under the same name prefix, or an older shape: not ours to answer from
    if (file.version !== CACHE_VERSION) return undefined;
    if (writeCanonicalJson(file.connection) !== writeCanonicalJson(identity)) return undefined;
    return typeof file.answers === 'object' && file.answers !== null ? file : undefined;
  } catch {
    return undefined; // missing or unreadable: a cache miss, never an error
  }
}

/** The cached answer to this request, if any. */
export function readCachedAnswer(
  path: string,
  identity: ConnectionIdentity,
  key: string,
): CachedAnswer | undefined {
  return readCacheFile(path, identity)?.answers[key];
}

/** Store an answer beside the connection's other answers (atomically: readers never see half a file). */
export function writeCachedAnswer(
  path: string,
  identity: ConnectionIdentity,
  key: string,
  answer: CachedAnswer,
): void {
  const file: CacheFile = readCacheFile(path, identity) ?? {
    version: CACHE_VERSION,
    connection: identity,
    answers: {},
  };
  file.answers[key] = answer;
  makeDirectory(join(path, '..'));
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}
