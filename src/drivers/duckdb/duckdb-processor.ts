import type { ComponentSpec } from '../../core/component-spec.js';
import type { Driver, DriverModule, DriverRequest, DriverResult } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';
import { DUCKDB_DEPENDENCY } from '../sql/duckdb-dependency.js';

export const duckdbProcessorSpec: ComponentSpec = {
  name: 'duckdb.processor',
  version: '0.1.0',
  title: 'Transform upstream outputs with one DuckDB SQL query',
  modes: ['transform'],
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['query'],
    properties: {
      query: {
        type: 'string',
        minLength: 1,
        description:
          'One SELECT/WITH/VALUES/FROM query. Inputs are tables named by step id ("extract-movies"), views df_<id> ' +
          '(df_extract_movies) and input_df when the step has exactly one input.',
      },
    },
  },
  secrets: [],
  connectionFamilies: [],
  pathKeys: [],
  runtimeDependencies: [DUCKDB_DEPENDENCY],
  example: {
    query:
      'SELECT d.name AS director, count(*) AS movies FROM df_movies m JOIN df_directors d ON d.id = m.director_id GROUP BY d.name ORDER BY d.name',
  },
};

async function runDuckdbProcessor({ config, inputs, ctx }: DriverRequest): Promise<DriverResult> {
  const query = config['query'];
  if (typeof query !== 'string' || query.trim() === '') {
    throw new OsirisError('config_error', 'config.query must be a non-empty SQL query', {
      where: ctx.stepId,
    });
  }
  if (Object.keys(inputs).length === 0) {
    ctx.log.warn(
      'duckdb.processor step has no inputs: the query can only read constants or other steps by id',
    );
  }
  const info = await ctx.dataPlane.createFromQuery(ctx.stepId, query, inputs);
  ctx.log.info(`query produced ${info.rows} rows (${info.columns.length} columns)`);
  ctx.log.debug(`columns: ${info.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  return { rowsProcessed: info.rows };
}

export const duckdbProcessorModule: DriverModule = {
  spec: duckdbProcessorSpec,
  create: (): Driver => ({ run: runDuckdbProcessor }),
};
