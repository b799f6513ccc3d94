import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ComponentSpec } from '../../core/component-spec.js';
import type { Driver, DriverModule, DriverRequest, DriverResult, StepContext } from '../../core/driver.js';
import { OsirisError } from '../../core/errors.js';
import { CSV_QUOTING, createCsvRowRenderer, isNumericType } from '../sql/csv-row-renderer.js';
import type { CsvQuoting } from '../sql/csv-row-renderer.js';
import { DUCKDB_DEPENDENCY } from '../sql/duckdb-dependency.js';
import { OUTPUT_PATH_PROPERTY, readSingleInput, writeOutputFile } from '../sql/write-output-file.js';
import { FILESYSTEM_CONNECTION_PROPERTY, resolveStepFile } from '../sql/filesystem-connection.js';

/** Encodings the writer produces; utf-16le starts with a BOM (FF FE) so spreadsheet tools detect it. */
export const CSV_WRITE_ENCODINGS = ['utf-8', 'utf-16le', 'latin1'] as const;
type CsvWriteEncoding = (typeof CSV_WRITE_ENCODINGS)[number];

export const csvWriterSpec: ComponentSpec = {
  name: 'filesystem.csv_writer',
  version: '0.1.0',
  title: 'Write the input table to a CSV file (atomically)',
  modes: ['write'],
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: OUTPUT_PATH_PROPERTY,
      connection: FILESYSTEM_CONNECTION_PROPERTY,
      delimiter: {
        type: 'string',
        minLength: 1,
        maxLength: 1,
        default: ',',
        description: 'Field delimiter: one ASCII character other than CR, LF, NUL and " (the quote).',
      },
      header: { type: 'boolean', default: true, description: 'Write a header line with the column names.' },
      quoting: {
        type: 'string',
        enum: [...CSV_QUOTING],
        default: 'minimal',
        description:
          'minimal: only fields that need it (and "" for the empty string); all: every non-NULL field; nonnumeric: every non-NULL field of a non-numeric column.',
      },
      encoding: {
        type: 'string',
        enum: [...CSV_WRITE_ENCODINGS],
        default: 'utf-8',
        description: 'Output encoding.',
      },
      newline: { type: 'string', enum: ['lf', 'crlf'], default: 'lf', description: 'Line terminator.' },
      columns: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
        description: 'Columns to write, in this order (default: all, in the input order).',
      },
    },
  },
  secrets: [],
  connectionFamilies: ['filesystem'],
  pathKeys: ['path'],
  runtimeDependencies: [DUCKDB_DEPENDENCY],
  example: { path: 'output/movies_by_director.csv' },
};

/** The writer's config with defaults applied. */
export interface CsvWriterConfig {
  path: string;
  delimiter: string;
  header: boolean;
  quoting: CsvQuoting;
  encoding: CsvWriteEncoding;
  newline: '\n' | '\r\n';
  columns: string[] | undefined;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T, key: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new OsirisError('config_error', `config.${key} must be one of ${allowed.join(', ')}`);
}

function readConfig(config: Record<string, unknown>): CsvWriterConfig {
  const path = config['path'];
  if (typeof path !== 'string' || path === '')
    throw new OsirisError('config_error', 'config.path must be a non-empty string');
  const columns = config['columns'];
  return {
    path,
    delimiter: typeof config['delimiter'] === 'string' ? config['delimiter'] : ',',
    header: typeof config['header'] === 'boolean' ? config['header'] : true,
    quoting: pick(config['quoting'], CSV_QUOTING, 'minimal', 'quoting'),
    encoding: pick(config['encoding'], CSV_WRITE_ENCODINGS, 'utf-8', 'encoding'),
    newline: pick(config['newline'], ['lf', 'crlf'] as const, 'lf', 'newline') === 'crlf' ? '\r\n' : '\n',
    columns: Array.isArray(columns) ? columns.map(String) : undefined,
  };
}

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * An encoder of the output's successive text for the target encoding. latin1 refuses what it cannot
 * hold instead of writing `?`, naming the line of the output (lines are counted for latin1 only).
 */
function createTextEncoder(encoding: CsvWriteEncoding): (text: string) => Buffer {
  if (encoding === 'utf-8') return (text) => Buffer.from(text, 'utf8');
  if (encoding === 'utf-16le') return (text) => Buffer.from(text, 'utf16le');
  let lines = 0;
  return (text) => {
    const bad = /[^\u0000-\u00ff]/u.exec(text);
    if (bad) {
      const line = lines + countLineBreaks(text.slice(0, bad.index)) + 1;
      const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
      throw new OsirisError(
        'io_error',
        `line ${line} of the output: character U+${code} cannot be written in latin1 (config.encoding: use utf-8 or utf-16le)`,
      );
    }
    lines += countLineBreaks(text);
    return Buffer.from(text, 'latin1');
  };
}

async function writeChunk(out: WriteStream, bytes: Buffer): Promise<void> {
  // An error already emitted would leave `once('drain')` waiting forever.
  if (out.errored) throw out.errored;
  if (!out.write(bytes)) {
    if (out.errored) throw out.errored;
    await once(out, 'drain');
  }
}

/** A file stream whose errors surface through `once('drain')` or `finished()` instead of crashing the process. */
function openFile(path: string): WriteStream {
  const out = createWriteStream(path);
  out.on('error', () => undefined);
  return out;
}

/** Flush and close; rejects when any write failed (disk full, I/O error). */
async function closeFile(out: WriteStream): Promise<void> {
  out.end();
  await finished(out);
}

/** Re-encode a UTF-8 file written by the engine into the target encoding, streaming. */
async function transcodeFile(source: string, target: string, encoding: CsvWriteEncoding): Promise<void> {
  const out = openFile(target);
  try {
    if (encoding === 'utf-16le') await writeChunk(out, Buffer.from([0xff, 0xfe]));
    const input = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const encode = createTextEncoder(encoding);
    for await (const text of input) await writeChunk(out, encode(text as string));
  } catch (error) {
    out.destroy();
    throw error;
  }
  await closeFile(out);
}

/**
 * Stream the table through the JS renderer: any quoting, newline, column subset or encoding. Exported
 * so tests can prove it writes the same bytes as the engine's COPY path.
 */
export async function writeRendered(
  ctx: StepContext,
  input: string,
  target: string,
  cfg: CsvWriterConfig,
): Promise<number> {
  const info = await ctx.dataPlane.describe(input);
  const names = info.columns.map((c) => c.name);
  const order = (cfg.columns ?? names).map((name) => names.indexOf(name));
  const selected = order.map((i) => info.columns[i] as { name: string; type: string });
  const renderer = createCsvRowRenderer({
    delimiter: cfg.delimiter,
    quoting: cfg.quoting,
    newline: cfg.newline,
    numericColumns: selected.map((c) => isNumericType(c.type)),
  });
  const identity = order.every((v, i) => v === i) && order.length === names.length;
  const out = openFile(target);
  const encode = createTextEncoder(cfg.encoding);
  let rows = 0;
  let lastProgress = Date.now();
  try {
    if (cfg.encoding === 'utf-16le') await writeChunk(out, Buffer.from([0xff, 0xfe]));
    if (cfg.header) await writeChunk(out, encode(renderer.renderHeader(selected.map((c) => c.name))));
    for await (const batch of ctx.dataPlane.readText(input)) {
      if (ctx.signal.aborted)
        throw new OsirisError('interrupted', 'write interrupted', { where: ctx.stepId });
      const chosen = identity ? batch : batch.map((row) => order.map((i) => row[i] ?? null));
      await writeChunk(out, encode(renderer.renderRows(chosen)));
      rows += batch.length;
      if (Date.now() - lastProgress >= 1000) {
        lastProgress = Date.now();
        ctx.emit('write.progress', { rows_written: rows });
      }
    }
  } catch (error) {
    out.destroy();
    throw error;
  }
  await closeFile(out);
  return rows;
}

async function runCsvWriter({ config, connection, inputs, ctx }: DriverRequest): Promise<DriverResult> {
  const cfg = readConfig(config);
  const file = await resolveStepFile(ctx, config, connection);
  const input = readSingleInput(csvWriterSpec.name, inputs, ctx.stepId);
  if (cfg.columns) {
    const names = new Set((await ctx.dataPlane.describe(input)).columns.map((c) => c.name));
    const unknown = cfg.columns.filter((c) => !names.has(c));
    if (unknown.length > 0) {
      throw new OsirisError(
        'config_error',
        `config.columns names unknown columns: ${unknown.join(', ')} (input has ${[...names].join(', ')})`,
        { where: ctx.stepId },
      );
    }
  }
  // The engine's COPY writes byte-identical output for minimal quoting, LF and all columns in order.
  const fast =
    cfg.quoting === 'minimal' &&
    cfg.newline === '\n' &&
    (!cfg.columns || (await isInputOrder(ctx, input, cfg.columns))) &&
    (await ctx.dataPlane.canExport(input, 'csv'));
  const written = await writeOutputFile(ctx, file.absolute, (temp) =>
    fast ? writeByEngine(ctx, input, temp, cfg) : writeRendered(ctx, input, temp, cfg),
  );
  const { rows, shown, target } = written;
  ctx.log.info(`wrote ${rows} rows to ${shown}${fast ? '' : ' (rendered in JS)'}`);
  ctx.emit('write.complete', { rows_written: rows, target: shown });
  return { rowsWritten: rows, rowsProcessed: rows, outputFiles: [target] };
}

/** The engine's own CSV writer (UTF-8), re-encoded when the target wants another encoding. */
async function writeByEngine(
  ctx: StepContext,
  input: string,
  temp: string,
  cfg: CsvWriterConfig,
): Promise<number> {
  const engineTemp = cfg.encoding === 'utf-8' ? temp : `${temp}.utf8`;
  const csv = { delimiter: cfg.delimiter, header: cfg.header, quote: '"' };
  try {
    const rows = await ctx.dataPlane.export(input, { format: 'csv', path: engineTemp, ...csv });
    if (engineTemp !== temp) await transcodeFile(engineTemp, temp, cfg.encoding);
    return rows;
  } finally {
    if (engineTemp !== temp) await rm(engineTemp, { force: true });
  }
}

async function isInputOrder(ctx: StepContext, input: string, columns: readonly string[]): Promise<boolean> {
  const names = (await ctx.dataPlane.describe(input)).columns.map((c) => c.name);
  return names.length === columns.length && names.every((name, i) => name === columns[i]);
}

export const csvWriterModule: DriverModule = {
  spec: csvWriterSpec,
  create: (): Driver => ({ run: runCsvWriter }),
};
