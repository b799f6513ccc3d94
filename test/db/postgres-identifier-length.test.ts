// Issue 8 §5: PostgreSQL silently truncates identifiers to 63 bytes. The writer refuses a longer column,
// table or schema name before it connects (before: the table got the cut name and the next upsert failed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/errors.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { runDriver, runPsql } from './db-test-kit.js';

const FITS = `c${'x'.repeat(62)}`; // 63 bytes: kept whole
const LONG = `measurement_${'y'.repeat(52)}`; // 64 bytes: PostgreSQL would cut the last byte
const WIDE = `é${'z'.repeat(62)}`; // 63 characters but 64 bytes: the limit counts bytes

let harness: DriverHarness;
let postgres: DbServer;

beforeAll(async () => {
  ({ postgres } = readDbServers());
  harness = await createDriverHarness();
  await harness.dataPlane.createFromQuery('fits', `SELECT 1::BIGINT AS id, 'a' AS "${FITS}"`, {});
  await harness.dataPlane.createFromQuery(
    'long',
    `SELECT 1::BIGINT AS id, 'a' AS "${LONG}", 'b' AS "${WIDE}"`,
    {},
  );
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS idlen CASCADE; CREATE SCHEMA idlen');
});

afterAll(async () => {
  await runPsql(postgres, 'DROP SCHEMA IF EXISTS idlen CASCADE').catch(() => undefined);
  await harness?.dispose();
});

const write = (stepId: string, input: string, config: Record<string, unknown>) =>
  runDriver(harness, postgresWriterModule, stepId, {
    config: { schema: 'idlen', create_if_missing: true, ...config },
    connection: createServerConnection('postgres', postgres),
    inputs: { input },
  });

const exists = async (table: string) =>
  (await runPsql(postgres, `SELECT to_regclass('idlen.${table}') IS NOT NULL`)).trim() === 't';

describe('postgres.writer and 63-byte identifiers', () => {
  it('writes a 63-byte column name whole', async () => {
    const { error, result } = await write('w-fits', 'fits', {
      table: 'fits',
      write_mode: 'upsert',
      primary_key: 'id',
    });
    expect(error).toBeUndefined();
    expect(result?.rowsWritten).toBe(1);
    const columns = await runPsql(
      postgres,
      "SELECT attname FROM pg_attribute WHERE attrelid = 'idlen.fits'::regclass AND attnum > 0 ORDER BY attnum",
    );
    expect(columns.trim().split('\n')).toEqual(['id', FITS]);
  });

  it('refuses longer column names, naming each, before creating anything', async () => {
    const { error } = await write('w-long', 'long', {
      table: 'long_cols',
      write_mode: 'upsert',
      primary_key: 'id',
    });
    expect(error).toBeInstanceOf(OsirisError);
    expect((error as OsirisError).code).toBe('config_error');
    expect(error?.message).toBe(
      `step w-long: column "${LONG}" (64 bytes), column "${WIDE}" (64 bytes): PostgreSQL truncates identifiers to 63 bytes, ` +
        'so the table would not have these names; give shorter names (a column: rename it in the query before this step, e.g. SELECT "long name" AS short_name)',
    );
    expect(await exists('long_cols')).toBe(false);
  });

  it('refuses a table name over 63 bytes', async () => {
    const table = `t${'t'.repeat(63)}`;
    const { error } = await write('w-table', 'fits', { table });
    expect((error as OsirisError).code).toBe('config_error');
    expect(error?.message).toContain(
      `table "${table}" (64 bytes): PostgreSQL truncates identifiers to 63 bytes`,
    );
    expect(await exists(table.slice(0, 63))).toBe(false);
  });
});
