// The six database components through the shared driver contract suites (test/drivers/contract): every
// movies table extracted from, or written to, the real test servers equals the movies CSV text. Read-back
// uses the servers' own CLI clients; the only normalisations are the documented ones: boolean form
// (t/f, 1/0 → true/false) and fractional-second formatting (DATETIME(6) `.120000` → `.12`).
import type { DriverModule, ResolvedConnection } from '../../src/core/index.js';
import { createCsvRowRenderer } from '../../src/drivers/sql/csv-row-renderer.js';
import { mysqlExtractorModule } from '../../src/drivers/mysql/mysql-extractor.js';
import { mysqlWriterModule } from '../../src/drivers/mysql/mysql-writer.js';
import { postgresExtractorModule } from '../../src/drivers/postgres/postgres-extractor.js';
import { postgresWriterModule } from '../../src/drivers/postgres/postgres-writer.js';
import { supabaseExtractorModule } from '../../src/drivers/postgres/supabase-extractor.js';
import { supabaseWriterModule } from '../../src/drivers/postgres/supabase-writer.js';
import type { MoviesTable } from '../drivers/contract/driver-contract.js';
import { defineExtractorContract, defineWriterContract } from '../drivers/contract/driver-contract.js';
import { createServerConnection, readDbServers } from '../support/read-db-servers.js';
import { readMysqlTable, readPostgresRows, runMysqlCli, runPsql } from './db-test-kit.js';

/** Rows in the canonical text forms: booleans true/false, timestamp fractions without trailing zeros. */
function renderCanonical(table: MoviesTable, rows: (string | null)[][]): string {
  const types = table.columns.map((c) => c.type);
  const normalised = rows.map((row) =>
    row.map((cell, i) => {
      if (cell === null) return null;
      if (types[i] === 'BOOLEAN')
        return cell === 't' || cell === '1' ? 'true' : cell === 'f' || cell === '0' ? 'false' : cell;
      if (types[i]?.startsWith('TIMESTAMP')) return cell.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      return cell;
    }),
  );
  const renderer = createCsvRowRenderer({ delimiter: ',', quoting: 'minimal', newline: '\n' });
  return renderer.renderHeader(table.columns.map((c) => c.name)) + renderer.renderRows(normalised);
}

const columnList = (table: MoviesTable, quote: string): string =>
  table.columns.map((c) => `${quote}${c.name}${quote}`).join(', ');

function defineExtractor(name: string, module: DriverModule, connect: () => ResolvedConnection): void {
  defineExtractorContract(name, module, async () => ({
    // The global setup loaded test/fixtures/movies into both servers.
    seed: async () => undefined,
    connection: connect(),
    configFor: (table) => ({
      schema: 'movies',
      table: table.name,
      columns: table.columns.map((c) => c.name),
    }),
  }));
}

defineExtractor('mysql.extractor', mysqlExtractorModule, () =>
  createServerConnection('mysql', readDbServers().mariadb),
);
defineExtractor('postgres.extractor', postgresExtractorModule, () =>
  createServerConnection('postgres', readDbServers().postgres),
);
defineExtractor('supabase.extractor', supabaseExtractorModule, () =>
  createServerConnection('supabase', readDbServers().postgres),
);

function definePostgresWriter(name: string, module: DriverModule, family: 'postgres' | 'supabase'): void {
  const schema = `contract_${family}`;
  defineWriterContract(name, module, async () => {
    const { postgres } = readDbServers();
    await runPsql(postgres, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    return {
      connection: createServerConnection(family, postgres),
      configFor: (table) => ({
        schema,
        table: table.name,
        create_if_missing: true,
        primary_key: table.primaryKey,
        write_mode: 'replace',
      }),
      readBack: async (table) =>
        renderCanonical(
          table,
          await readPostgresRows(postgres, `SELECT ${columnList(table, '"')} FROM ${schema}.${table.name}`),
        ),
    };
  });
}

definePostgresWriter('postgres.writer', postgresWriterModule, 'postgres');
definePostgresWriter('supabase.writer', supabaseWriterModule, 'supabase');

defineWriterContract('mysql.writer', mysqlWriterModule, async () => {
  const { mariadb } = readDbServers();
  await runMysqlCli(mariadb, 'DROP DATABASE IF EXISTS contract_mysql; CREATE DATABASE contract_mysql');
  return {
    connection: createServerConnection('mysql', mariadb),
    configFor: (table) => ({
      schema: 'contract_mysql',
      table: table.name,
      create_if_missing: true,
      primary_key: table.primaryKey,
      write_mode: 'upsert',
    }),
    readBack: async (table) =>
      renderCanonical(
        table,
        await readMysqlTable(mariadb, 'contract_mysql', table.name, table.primaryKey.join(', ')),
      ),
  };
});
