// The pure parts of the database drivers: specs (JSON Schema draft-07), retry/backoff, DDL, type mapping, text encodings.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { OsirisError } from '../../src/core/index.js';
import { readWriterConfig } from '../../src/drivers/sql/database-config.js';
import {
  DatabaseFailure,
  isTransientFailure,
  quoteStatement,
} from '../../src/drivers/sql/database-failure.js';
import { classifyMysqlError } from '../../src/drivers/mysql/mysql-protocol.js';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import {
  createCellAdapters,
  renderInsertValues,
  renderLoadDataRows,
} from '../../src/drivers/mysql/mysql-load-text.js';
import { mysqlWriterModule } from '../../src/drivers/mysql/mysql-writer.js';
import { classifyPostgresError } from '../../src/drivers/postgres/postgres-client.js';
import { mapPostgresField } from '../../src/drivers/postgres/postgres-column-types.js';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import { computeBackoffDelay, runWithRetry } from '../../src/core/run-with-retry.js';
import { mysqlDialect } from '../../src/drivers/mysql/mysql-dialect.js';
import { postgresDialect } from '../../src/drivers/postgres/postgres-dialect.js';
import { renderCreateTable } from '../../src/drivers/sql/sql-dialect.js';
import { supabaseExtractorModule } from '../../src/drivers/postgres/supabase-extractor.js';
import { supabaseWriterModule } from '../../src/drivers/postgres/supabase-writer.js';

const MODULES = [
  mysqlExtractorModule,
  mysqlWriterModule,
  postgresExtractorModule,
  postgresWriterModule,
  supabaseExtractorModule,
  supabaseWriterModule,
];

describe('component specs', () => {
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });

  it.each(MODULES.map((m) => [m.spec.name, m] as const))(
    '%s: draft-07 schema with defaults, no extra keys, valid example',
    (_name, m) => {
      const validate = ajv.compile(m.spec.configSchema);
      expect(m.spec.configSchema.additionalProperties).toBe(false);
      expect(m.spec.secrets).toEqual([]);
      expect(m.spec.connectionFamilies).toEqual([m.spec.name.split('.')[0]]);
      for (const dep of m.spec.runtimeDependencies) expect(dep.version).toMatch(/^\d+\.\d+\.\d+$/);
      const example = structuredClone(m.spec.example);
      expect(validate(example)).toBe(true);
      expect(example).toMatchObject({
        retry_attempts: 3,
        retry_initial_delay_ms: 1000,
        retry_max_delay_ms: 10_000,
        connect_timeout_ms: 10_000,
      });
      expect(validate({ ...m.spec.example, surprise: 1 })).toBe(false);
    },
  );

  it('extractors take a query or a table, not both', () => {
    const validate = ajv.compile(postgresExtractorModule.spec.configSchema);
    expect(validate({ query: 'SELECT 1' })).toBe(true);
    expect(validate({ table: 't', columns: ['a'] })).toBe(true);
    expect(validate({ query: 'SELECT 1', table: 't' })).toBe(false);
    expect(validate({ query: 'SELECT 1', columns: ['a'] })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('writers require primary_key for replace and upsert (the compiler checks it too)', () => {
    const validate = ajv.compile(mysqlWriterModule.spec.configSchema);
    expect(validate({ table: 't' })).toBe(true);
    expect(validate({ table: 't', write_mode: 'upsert', primary_key: ['id'] })).toBe(true);
    expect(validate({ table: 't', write_mode: 'merge', primary_key: 'id' })).toBe(false);
    expect(() => readWriterConfig({ table: 't', write_mode: 'replace' }, 'step w')).toThrow(
      "step w: write_mode 'replace' requires 'primary_key'",
    );
    expect(
      readWriterConfig({ table: 't', write_mode: 'upsert', primary_key: 'id' }, 'step w').primaryKey,
    ).toEqual(['id']);
  });
});

describe('retries', () => {
  const policy = { attempts: 3, initialDelayMs: 1000, maxDelayMs: 10_000 };
  const transient = new DatabaseFailure('connection_error', 'reset', 'transient', 'ECONNRESET');
  const deterministic = new DatabaseFailure('sql_error', 'syntax', 'deterministic', '42601');

  it('backs off exponentially with jitter and a cap', () => {
    expect(computeBackoffDelay(1, policy, () => 0)).toBe(500);
    expect(computeBackoffDelay(1, policy, () => 0.999999)).toBe(1000);
    expect(computeBackoffDelay(2, policy, () => 0.999999)).toBe(2000);
    expect(computeBackoffDelay(3, policy, () => 0)).toBe(2000);
    expect(computeBackoffDelay(10, policy, () => 0.999999)).toBe(10_000);
  });

  it('retries transient failures up to the attempts, never deterministic ones', async () => {
    const fast = { ...policy, initialDelayMs: 1 };
    let calls = 0;
    await expect(
      runWithRetry(
        async () => {
          calls++;
          throw transient;
        },
        { policy: fast, isTransient: isTransientFailure },
      ),
    ).rejects.toBe(transient);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      runWithRetry(
        async () => {
          calls++;
          throw deterministic;
        },
        { policy: fast, isTransient: isTransientFailure },
      ),
    ).rejects.toBe(deterministic);
    expect(calls).toBe(1);
    calls = 0;
    const delays: number[] = [];
    const value = await runWithRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient;
        return 'ok';
      },
      {
        policy: fast,
        isTransient: isTransientFailure,
        onRetry: (_e, _a, d) => delays.push(d),
      },
    );
    expect([value, calls, delays.length]).toEqual(['ok', 3, 2]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const pending = runWithRetry(
      async () => {
        throw transient;
      },
      {
        policy: { ...policy, initialDelayMs: 60_000 },
        isTransient: isTransientFailure,
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'interrupted' });
  });

  it('classifies server errors', () => {
    for (const code of ['40001', '40P01', '53300', '57P01', 'ECONNRESET'])
      expect(classifyPostgresError({ code })).toBe('transient');
    for (const code of ['23505', '42601', '28P01', 'ECONNREFUSED', '57014'])
      expect(classifyPostgresError({ code })).toBe('deterministic');
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    for (const errno of [1213, 1205, 1040, 1927]) expect(classifyMysqlError({ errno })).toBe('transient');
    expect(classifyMysqlError({ code: 'PROTOCOL_CONNECTION_LOST' })).toBe('transient');
    for (const errno of [1062, 1064, 1045, 1146]) expect(classifyMysqlError({ errno })).toBe('deterministic');
    expect(isTransientFailure(new OsirisError('sql_error', 'x'))).toBe(false);
  });

  it('quotes a long statement cut with a mark, so a cut string literal does not read as the end', () => {
    expect(quoteStatement("SELECT 'a'")).toBe(`statement "SELECT 'a'"`);
    const long = `INSERT INTO t VALUES ('${'x'.repeat(200)}')`;
    expect(quoteStatement(long)).toBe(`statement ${JSON.stringify(`${long.slice(0, 120)}…`)}`);
  });
});

describe('DDL and type mapping', () => {
  it('creates tables with quoted identifiers and exact types', () => {
    const columns = [
      { name: 'id', type: 'BIGINT' },
      { name: 'we"ird`name', type: 'DECIMAL(12,2)' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'on', type: 'DATE' },
      { name: 'ok', type: 'BOOLEAN' },
      { name: 'doc', type: 'JSON' },
      { name: 'txt', type: 'VARCHAR' },
    ];
    expect(renderCreateTable(postgresDialect, { schema: 's', table: 't' }, columns, ['id'])).toBe(
      'CREATE TABLE "s"."t" (\n  "id" BIGINT NOT NULL,\n  "we""ird`name" NUMERIC(12,2),\n  "at" TIMESTAMP,\n  "on" DATE,\n  "ok" BOOLEAN,\n' +
        '  "doc" JSONB,\n  "txt" TEXT,\n  PRIMARY KEY ("id")\n)',
    );
    expect(renderCreateTable(mysqlDialect, { table: 't' }, columns, ['txt'])).toBe(
      'CREATE TABLE `t` (\n  `id` BIGINT,\n  `we"ird``name` DECIMAL(12,2),\n  `at` DATETIME(6),\n  `on` DATE,\n  `ok` TINYINT(1),\n' +
        '  `doc` JSON,\n  `txt` VARCHAR(255) NOT NULL,\n  PRIMARY KEY (`txt`)\n) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    expect(postgresDialect.mapColumnType('TIMESTAMP WITH TIME ZONE', false)).toBe('TIMESTAMPTZ');
    expect(postgresDialect.mapColumnType('UBIGINT', false)).toBe('NUMERIC(20,0)');
    expect(mysqlDialect.mapColumnType('INTEGER[]', false)).toBe('LONGTEXT');
    expect(mysqlDialect.quoteIdentifier('a`b')).toBe('`a``b`');
  });

  it('maps PostgreSQL NUMERIC by its modifier', () => {
    const numeric = (typeModifier: number) =>
      mapPostgresField({ name: 'n', typeOid: 1700, typeModifier }).type;
    expect(numeric(((12 << 16) | 2) + 4)).toBe('DECIMAL(12,2)');
    expect(numeric(-1)).toBe('VARCHAR');
    expect(numeric(((40 << 16) | 5) + 4)).toBe('VARCHAR');
    expect(mapPostgresField({ name: 'j', typeOid: 3802, typeModifier: -1 }).type).toBe('JSON');
  });
});

describe('MySQL load text', () => {
  const columns = [
    { name: 'a', type: 'VARCHAR' },
    { name: 'b', type: 'BOOLEAN' },
    { name: 'c', type: 'TIMESTAMP WITH TIME ZONE' },
  ];
  const adapters = createCellAdapters(columns);

  it('escapes LOAD DATA fields and writes NULL as \\N', () => {
    const rows = [
      ['tab\there\\N back\\slash\nnew\r\0', 'true', '2024-01-01 10:00:00+00'],
      [null, 'false', null],
      ['', null, '2024-01-01 10:00:00.5'],
    ];
    expect(renderLoadDataRows(rows, adapters)).toBe(
      'tab\\there\\\\N back\\\\slash\\nnew\\r\\0\t1\t2024-01-01 10:00:00\n\\N\t0\t\\N\n\t\\N\t2024-01-01 10:00:00.5\n',
    );
  });

  it('renders INSERT values with the client escape', () => {
    expect(
      renderInsertValues([["it's", 'true', null]], adapters, (t) => `'${t.replaceAll("'", "\\'")}'`),
    ).toBe("('it\\'s', '1', NULL)");
  });
});
