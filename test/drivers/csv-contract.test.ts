// The CSV components through the shared contract suites: movies CSV → data plane → canonical text, and back to a file.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { csvExtractorModule } from '../../src/drivers/csv/filesystem-csv-extractor.js';
import { csvWriterModule } from '../../src/drivers/csv/filesystem-csv-writer.js';
import { defineExtractorContract, defineWriterContract } from './contract/driver-contract.js';

defineExtractorContract('filesystem.csv_extractor', csvExtractorModule, async () => ({
  seed: async () => undefined,
  exactOrder: true,
  configFor: (table) => ({
    path: table.csvPath,
    columns: table.columns.map(({ name, type }) => ({ name, type })),
  }),
}));

defineWriterContract('filesystem.csv_writer', csvWriterModule, async () => ({
  configFor: (table) => ({ path: `output/${table.name}.csv` }),
  exactOrder: true,
  readBack: async (_table, config, projectDir) =>
    readFile(resolve(projectDir, String(config['path'])), 'utf8'),
}));
