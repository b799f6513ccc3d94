import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { ColumnInfo, CsvProducer, StepContext, StreamedTable } from '../../core/index.js';
import { createCsvRowRenderer } from './csv-row-renderer.js';

/** Write a chunk and wait for 'drain' when the sink's buffer is full (rejects if the sink fails). */
export async function writeChunk(sink: Writable, chunk: string | Buffer): Promise<void> {
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/**
 * Hand an extractor's CSV rows to the step's data-plane table with these column types. A `canonical`
 * producer (every value in its canonical form) is kept unparsed, under the header a
 * CSV writer would write for these columns, so that writer can take the bytes as they are.
 */
export async function handOverCsv(
  ctx: StepContext,
  columns: ColumnInfo[],
  produce: CsvProducer,
  canonical: boolean,
): Promise<StreamedTable> {
  if (!canonical) return ctx.dataPlane.createFromCsvStream(ctx.stepId, columns, produce);
  const header = createCsvRowRenderer({ delimiter: ',', quoting: 'minimal', newline: '\n' }).renderHeader(
    columns.map((c) => c.name),
  );
  return ctx.dataPlane.createFromCsvStream(ctx.stepId, columns, produce, { header });
}
