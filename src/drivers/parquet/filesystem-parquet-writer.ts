import type { ComponentSpec } from '../../core/component-spec.js';
import { PARQUET_COMPRESSION } from '../../core/data-plane.js';
import type { ParquetCompression } from '../../core/data-plane.js';
import type { Driver, DriverModule, DriverRequest, DriverResult } from '../../core/driver.js';
import { DUCKDB_DEPENDENCY } from '../sql/duckdb-dependency.js';
import { FILESYSTEM_CONNECTION_PROPERTY, resolveStepFile } from '../sql/filesystem-connection.js';
import { OUTPUT_PATH_PROPERTY, readSingleInput, writeOutputFile } from '../sql/write-output-file.js';

export const parquetWriterSpec: ComponentSpec = {
  name: 'filesystem.parquet_writer',
  version: '0.1.0',
  title: 'Write the input table to a Parquet file (atomically)',
  modes: ['write'],
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: OUTPUT_PATH_PROPERTY,
      connection: FILESYSTEM_CONNECTION_PROPERTY,
      compression: {
        type: 'string',
        enum: [...PARQUET_COMPRESSION],
        default: 'snappy',
        description: 'Compression codec of the column chunks.',
      },
    },
  },
  secrets: [],
  connectionFamilies: ['filesystem'],
  pathKeys: ['path'],
  runtimeDependencies: [DUCKDB_DEPENDENCY],
  example: { path: 'output/movies_by_director.parquet', compression: 'zstd' },
};

/**
 * The input table as a Parquet file written by the data plane's own writer: the column types of the
 * data plane are kept (DECIMAL stays DECIMAL, TIMESTAMP a timestamp), nothing is rendered as text.
 */
async function runParquetWriter({ config, connection, inputs, ctx }: DriverRequest): Promise<DriverResult> {
  // The config was validated against the schema above: compression is one of the enum.
  const { absolute: path } = await resolveStepFile(ctx, config, connection);
  const compression = (config['compression'] ?? 'snappy') as ParquetCompression;
  const input = readSingleInput(parquetWriterSpec.name, inputs, ctx.stepId);
  const { rows, shown, target } = await writeOutputFile(ctx, path, (temp) =>
    ctx.dataPlane.export(input, { format: 'parquet', path: temp, compression }),
  );
  ctx.log.info(`wrote ${rows} rows to ${shown} (Parquet, ${compression})`);
  ctx.emit('write.complete', { rows_written: rows, target: shown });
  return { rowsWritten: rows, rowsProcessed: rows, outputFiles: [target] };
}

export const parquetWriterModule: DriverModule = {
  spec: parquetWriterSpec,
  create: (): Driver => ({ run: runParquetWriter }),
};
