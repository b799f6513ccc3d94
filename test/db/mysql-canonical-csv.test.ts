// The MySQL extractor hands its rows to the data plane without a DuckDB pass: MariaDB renders every
// value as a CSV field in the canonical form of its data-plane type. Proof, on the real server with edge
// values and 20,000 random doubles: the handed-over bytes equal what DuckDB writes for the same values
// after parsing them; a FLOAT column and an ORDER BY query take the parsing path instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import type { DriverHarness } from '../drivers/contract/step-context.js';
import { createDriverHarness } from '../drivers/contract/step-context.js';
import type { DbServer } from '../support/db-servers.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { runDriver, runMysqlCli } from './db-test-kit.js';
import { extractBothWays } from './handed-over-kit.js';

let harness: DriverHarness;

let mariadb: DbServer;

const DOUBLES = [
  '0',
  '-0.0',
  '1e-7',
  '1.5e-5',
  '0.0001',
  '123456789012345680',
  '1e15',
  '1e20',
  '1e21',
  '1e300',
  '5e-324',
  '0.30000000000000004',
  '-2.5e-8',
  '1.7976931348623157e308',
  '54',
  '-1234.5',
  '9007199254740993',
  '-28799000213961912',
  '1e16',
  '123e-20',
  '0.000001',
  '9.999999999999999e-7',
];
const TEXTS = [
  'a,b',
  'q"uote',
  'multi\nline',
  '',
  '   ',
  'ünïcødé 🎉',
  ' lead and trail ',
  'cr\rhere',
  'tab\there',
];
const sqlText = (t: string): string =>
  `'${t.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t')}'`;

const extractMysql = (step: string, config: Record<string, unknown>) =>
  extractBothWays(harness, mysqlExtractorModule, createServerConnection('mysql', mariadb), step, config);

beforeAll(async () => {
  ({ mariadb } = readDbServers());
  harness = await createDriverHarness();
  const rows = DOUBLES.map((d, i) => {
    const text = TEXTS[i % TEXTS.length] as string;
    return `(${i}, ${d}, ${i % 3 === 2 ? 'NULL' : i % 2}, ${i % 4 === 0 ? 'NULL' : (i * 12.5 - 40).toFixed(1)},
      '2024-02-29' + INTERVAL ${i} DAY, '2024-01-02 03:04:05.120000' + INTERVAL ${i * 1000001} MICROSECOND,
      '2024-01-02 03:04:05.5' + INTERVAL ${i} SECOND, '2024-01-02 03:04:05' + INTERVAL ${i} MINUTE,
      ${i % 5 === 0 ? 'NULL' : sqlText(text)}, '{"b": ${i}, "a": [1, 2]}', ${i % 2 === 0 ? '18446744073709551615' : i},
      b'${(i % 256).toString(2)}', ${i % 3 === 0 ? "''" : `UNHEX('${(i * 4099).toString(16).padStart(4, '0')}')`},
      ${2000 + i}, '-${i}:05:06', ${i % 2 === 0 ? "'X'" : "''"})`;
  });
  await runMysqlCli(
    mariadb,
    `DROP DATABASE IF EXISTS canon; CREATE DATABASE canon; USE canon;
     CREATE TABLE canon.edge (id INT, x DOUBLE, flag TINYINT(1), n DECIMAL(12,3), d DATE, t6 DATETIME(6),
       t1 DATETIME(1), t0 TIMESTAMP NULL, t TEXT, j JSON, big BIGINT UNSIGNED, bits BIT(8), bin VARBINARY(8),
       y YEAR, tm TIME, c CHAR(1)) DEFAULT CHARSET=utf8mb4;
     INSERT INTO canon.edge VALUES ${rows.join(',\n')};
     CREATE TABLE canon.real (id INT, f FLOAT); INSERT INTO canon.real VALUES (1, 0.1), (2, 3624578.2);
     CREATE TABLE canon.doubles (id INT, x DOUBLE);
     INSERT INTO canon.doubles SELECT seq, (RAND(seq) - 0.5) * POW(10, FLOOR(RAND(seq * 7) * 600) - 300)
       FROM seq_1_to_20000;`,
  );
});

afterAll(async () => {
  await harness?.dispose();
});

describe('MySQL extraction handed over as canonical CSV (real MariaDB)', () => {
  it('hands over bytes that DuckDB, parsing them, writes back identically', async () => {
    const both = await extractMysql('my_edge', { schema: 'canon', table: 'edge' });
    expect(both.rows).toBe(DOUBLES.length);
    expect(both.rendered).toBe(both.handedOver);
    expect(both.handedOver).toMatch(/\n3,0\.000015,/);
    expect(both.handedOver).toMatch(/\n6,1000000000000000,/);
    expect(both.handedOver).toMatch(/\n12,-2\.5e-8,/);
    expect(both.handedOver).toMatch(/\n4,0\.0001,false,,2024-03-04,2024-01-02 03:04:09\.120004,/);
  });

  it('renders 20,000 random doubles over 600 orders of magnitude exactly as DuckDB does', async () => {
    const both = await extractMysql('my_doubles', { schema: 'canon', table: 'doubles' });
    expect(both.rows).toBe(20_000);
    expect(both.handedOver).toMatch(/e-\d/);
    expect(both.rendered).toBe(both.handedOver);
  });

  it('a FLOAT column or an ORDER BY query is parsed by the data plane instead', async () => {
    for (const [step, config] of [
      ['my_real', { schema: 'canon', table: 'real' }],
      ['my_ordered', { query: 'SELECT id, x FROM canon.edge ORDER BY id DESC' }],
    ] as const) {
      const extracted = await runDriver(harness, mysqlExtractorModule, step, {
        config,
        connection: createServerConnection('mysql', mariadb),
      });
      expect(extracted.error).toBeUndefined();
      expect(harness.keptFiles.get(step)).toBeUndefined();
    }
  });

  it('every session reads in UTC with strict, backslash-keeping SQL (one SET at connect)', async () => {
    const extracted = await runDriver(harness, mysqlExtractorModule, 'my_session', {
      config: { query: 'SELECT @@session.time_zone AS tz, @@session.sql_mode AS sql_mode' },
      connection: createServerConnection('mysql', mariadb),
    });
    expect(extracted.error).toBeUndefined();
    const rows: string[][] = [];
    for await (const chunk of harness.dataPlane.readText('my_session')) rows.push(...(chunk as string[][]));
    expect(rows[0]?.[0]).toBe('+00:00');
    // STRICT_ALL_TABLES is not in the server's default mode: only the session's SET puts it there
    const modes = (rows[0]?.[1] ?? '').split(',');
    expect(modes).toContain('STRICT_ALL_TABLES');
    expect(modes).not.toContain('NO_BACKSLASH_ESCAPES');
  });
});
