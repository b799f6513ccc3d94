import type { ErrorCode, ResolvedConnection } from '../core/index.js';
import { createMasker, describeError } from '../core/index.js';
import type { DatabaseEndpoint } from './database-endpoint.js';
import { readDatabaseEndpoint } from './database-endpoint.js';
import { openMysqlSession } from './mysql-client.js';
import { openPostgresSession } from './postgres-client.js';

/** What `osiris connections doctor` reports for one connection. */
export interface ProbeResult {
  /** Whether connecting and `SELECT 1` worked. */
  ok: boolean;
  /** Wall time of connect + query in ms. */
  latencyMs: number;
  /** Server version when connected. */
  serverVersion?: string;
  /** Masked error message when not ok. */
  error?: string;
  /** Stable error code when not ok. */
  errorCode?: ErrorCode;
}

/** The little a probe needs from a session. */
interface ProbeSession {
  query(sql: string): Promise<{ rows: (string | null)[][] }>;
  close(): Promise<void>;
}

type OpenForProbe = (
  endpoint: DatabaseEndpoint,
  options: { connectTimeoutMs: number; where: string },
) => Promise<ProbeSession>;

const WHERE = 'connections doctor';

async function probe(
  connection: ResolvedConnection,
  open: OpenForProbe,
  versionSql: string,
  connectTimeoutMs: number,
): Promise<ProbeResult> {
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);
  try {
    const session = await open(readDatabaseEndpoint(connection, WHERE), { connectTimeoutMs, where: WHERE });
    try {
      await session.query('SELECT 1');
      const result: ProbeResult = { ok: true, latencyMs: latency() };
      const version = (await session.query(versionSql)).rows[0]?.[0];
      if (version) result.serverVersion = version;
      return result;
    } finally {
      await session.close();
    }
  } catch (error) {
    const d = describeError(error);
    return {
      ok: false,
      latencyMs: latency(),
      error: createMasker(connection.secrets)(d.message),
      errorCode: d.code,
    };
  }
}

/** Families `probeConnection` can check. */
export const PROBED_FAMILIES = ['mysql', 'postgres', 'supabase'] as const;

/**
 * Connect to a database connection, run `SELECT 1` and measure (for `osiris connections doctor`).
 * Never throws; the error is masked. Undefined for a family without a database (filesystem).
 */
export async function probeConnection(
  connection: ResolvedConnection,
  connectTimeoutMs = 10_000,
): Promise<ProbeResult | undefined> {
  if (connection.family === 'mysql')
    return probe(connection, openMysqlSession, 'SELECT VERSION()', connectTimeoutMs);
  if (connection.family === 'postgres' || connection.family === 'supabase') {
    return probe(connection, openPostgresSession, 'SHOW server_version', connectTimeoutMs);
  }
  return undefined;
}
