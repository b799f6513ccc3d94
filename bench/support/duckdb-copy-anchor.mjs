// Anchor: DuckDB alone streaming CSV -> CSV with one COPY (same settings as the data plane: 2 threads, the
// same memory limit, explicit column types, allow_quoted_nulls=false). Usage: node duckdb-copy-anchor.mjs IN OUT MEMORY_LIMIT
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, memoryLimit = '512MB'] = process.argv.slice(2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const columns = `{'id': 'BIGINT', 'account_id': 'INTEGER', 'event_type': 'VARCHAR', 'message': 'VARCHAR',
  'amount': 'DECIMAL(12,2)', 'score': 'DOUBLE', 'event_date': 'DATE', 'created_at': 'TIMESTAMP',
  'is_flagged': 'BOOLEAN', 'country': 'VARCHAR', 'big_counter': 'BIGINT', 'payload': 'JSON'}`;
const instance = await DuckDBInstance.create(':memory:', {
  threads: '2',
  memory_limit: memoryLimit,
  preserve_insertion_order: 'true',
});
const connection = await instance.connect();
const result = await connection.run(
  `COPY (SELECT * FROM read_csv(${q(input)}, header=true, allow_quoted_nulls=false, auto_detect=false, columns=${columns}))
   TO ${q(output)} (FORMAT csv, HEADER true)`,
);
console.log(JSON.stringify({ rows: result.rowsChanged }));
connection.disconnectSync();
instance.closeSync();
