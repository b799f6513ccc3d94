// The data plane's own share of a database path, measured on the same data and settings (a file-backed
// DuckDB, same memory limit and threads, explicit column types): the typed load of the CSV an extractor
// hands over, and the plain COPY out that a writer streams. No Node, no server, no CLI start and no
// canonical rendering, so the figures are a floor. Usage: node data-plane-floor.mjs CSV MEMORY_LIMIT THREADS
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [input, memoryLimit = '128MB', threads = '1'] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const columns = `{'id': 'BIGINT', 'account_id': 'INTEGER', 'event_type': 'VARCHAR', 'message': 'VARCHAR',
  'amount': 'DECIMAL(12,2)', 'score': 'DOUBLE', 'event_date': 'DATE', 'created_at': 'TIMESTAMP',
  'is_flagged': 'BOOLEAN', 'country': 'VARCHAR', 'big_counter': 'BIGINT', 'payload': 'JSON'}`;
const dir = mkdtempSync(join(tmpdir(), 'osiris-floor-'));
try {
  const instance = await DuckDBInstance.create(join(dir, 'floor.duckdb'), {
    threads,
    memory_limit: memoryLimit,
    temp_directory: join(dir, 'spill'),
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  await connection.run(`SET GLOBAL disabled_compression_methods = 'fsst'`);
  const timed = async (sql) => {
    const t0 = performance.now();
    const result = await connection.run(sql);
    return { seconds: (performance.now() - t0) / 1000, rows: result.rowsChanged };
  };
  const load = await timed(
    `CREATE TABLE t AS SELECT * FROM read_csv(${q(input)}, header=true, allow_quoted_nulls=false, auto_detect=false, columns=${columns})`,
  );
  const write = await timed(
    `COPY (SELECT * FROM t) TO ${q(join(dir, 'out.csv'))} (FORMAT csv, HEADER false)`,
  );
  console.log(JSON.stringify({ load_s: load.seconds, write_s: write.seconds, rows: write.rows }));
  connection.disconnectSync();
  instance.closeSync();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
