import type { ErrorCode, ResolvedConnection } from '../../core/index.js';
import { createMasker, describeError } from '../../core/index.js';
import { readDatabaseEndpoint } from './database-endpoint.js';
import type { SqlDialect } from './sql-dialect.js';

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

const WHERE = 'connections doctor';

/**
 * Connect to a database connection with its dialect, run `SELECT 1` and measure (for `osiris connections
 * doctor`). Never throws; the error is masked.
 */
export async function probeSqlConnection(
  connection: ResolvedConnection,
  dialect: SqlDialect,
  connectTimeoutMs: number,
): Promise<ProbeResult> {
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);
  try {
    const endpoint = readDatabaseEndpoint(connection, WHERE);
    const session = await dialect.open(endpoint, { connectTimeoutMs, where: WHERE });
    try {
      await session.query('SELECT 1');
      const result: ProbeResult = { ok: true, latencyMs: latency() };
      const version = (await session.query(dialect.versionSql)).rows[0]?.[0];
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
