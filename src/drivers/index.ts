// Every component's module (spec + driver factory). Composition roots bind them into a DriverTable.
import type { DriverModule } from '../core/index.js';
import { duckdbProcessorModule } from './duckdb-processor.js';
import { csvExtractorModule } from './filesystem-csv-extractor.js';
import { csvWriterModule } from './filesystem-csv-writer.js';
import { mysqlExtractorModule } from './mysql-extractor.js';
import { mysqlWriterModule } from './mysql-writer.js';
import { postgresExtractorModule } from './postgres-extractor.js';
import { postgresWriterModule } from './postgres-writer.js';
import { supabaseExtractorModule } from './supabase-extractor.js';
import { supabaseWriterModule } from './supabase-writer.js';

export const DRIVER_MODULES: readonly DriverModule[] = [
  csvExtractorModule,
  csvWriterModule,
  duckdbProcessorModule,
  mysqlExtractorModule,
  mysqlWriterModule,
  postgresExtractorModule,
  postgresWriterModule,
  supabaseExtractorModule,
  supabaseWriterModule,
];
