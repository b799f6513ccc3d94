// `osiris discover @family.alias | FILE.csv`: a thin client of discoverConnection / discoverCsv.
import type { Command } from 'commander';
import type {
  DiscoveredColumn,
  DiscoveredConnection,
  DiscoveredCsv,
  DiscoveredTable,
  DriverTable,
} from '../index.js';
import { OsirisError, discoverConnection, discoverCsv } from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { printJson, resolveFlagPath } from './cli-io.js';

/** The options of `osiris discover` as commander gives them (strings; the MCP tool fills them the same way). */
export interface DiscoverOptions {
  tables?: string;
  schema?: string;
  sample: string;
  tableTimeout: string;
  timeout: string;
  refresh?: boolean;
  connections?: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header: boolean;
  encoding?: string;
  nullString?: string;
  json?: boolean;
}

/** Flags that only make sense for one kind of target. */
const DATABASE_ONLY = ['tables', 'schema', 'refresh', 'connections'] as const;
const CSV_ONLY = ['delimiter', 'quote', 'escape', 'encoding', 'nullString'] as const;

function readCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new OsirisError('usage', `${flag} expects a whole number ≥ 0, got '${text}'`);
  return Number(text);
}

function readSeconds(text: string, flag: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0)
    throw new OsirisError('usage', `${flag} expects seconds (> 0), got '${text}'`);
  return seconds * 1000;
}

function refuseFlags(opts: DiscoverOptions, names: readonly (keyof DiscoverOptions)[], what: string): void {
  const given = names.filter((n) => opts[n] !== undefined);
  if (given.length > 0) {
    const flags = given.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new OsirisError('usage', `${flags.join(', ')}: only for ${what}`);
  }
}

/** What `discover --json` prints (and the MCP tool returns), by kind of target. */
export type DiscoverReport =
  | { kind: 'connection'; json: { ok: boolean } & DiscoveredConnection }
  | { kind: 'csv'; json: { ok: boolean } & DiscoveredCsv };

/** Discover a connection (`@family.alias`) or a CSV file; bad flags are usage errors. */
export async function discoverTarget(
  io: CliIo,
  drivers: DriverTable,
  target: string,
  opts: DiscoverOptions,
): Promise<DiscoverReport> {
  const sample = readCount(opts.sample, '--sample');
  if (target.startsWith('@')) {
    refuseFlags(opts, CSV_ONLY, 'a CSV file');
    if (!opts.header) throw new OsirisError('usage', '--no-header: only for a CSV file');
    const result = await discoverConnection({
      connection: target,
      cwd: io.cwd,
      ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
      env: io.env,
      ...(opts.connections === undefined ? {} : { connectionsFile: resolveFlagPath(io, opts.connections) }),
      ...(opts.tables === undefined ? {} : { tables: opts.tables.split(',') }),
      ...(opts.schema === undefined ? {} : { schema: opts.schema }),
      sample,
      tableTimeoutMs: readSeconds(opts.tableTimeout, '--table-timeout'),
      connectTimeoutMs: readSeconds(opts.timeout, '--timeout'),
      refresh: Boolean(opts.refresh),
    });
    const ok = result.tables.every((t) => t.error === undefined);
    return { kind: 'connection', json: { ok, ...result } };
  }
  refuseFlags(opts, DATABASE_ONLY, 'a database connection (@family.alias)');
  const dialect = {
    ...(opts.delimiter === undefined ? {} : { delimiter: opts.delimiter }),
    ...(opts.quote === undefined ? {} : { quote: opts.quote }),
    ...(opts.escape === undefined ? {} : { escape: opts.escape }),
    ...(opts.header ? {} : { header: false }),
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
    ...(opts.nullString === undefined ? {} : { null_string: opts.nullString }),
  };
  const result = await discoverCsv({ file: target, cwd: io.cwd, dialect, sample, drivers });
  return { kind: 'csv', json: { ok: true, ...result } };
}

async function runDiscover(
  io: CliIo,
  drivers: DriverTable,
  target: string,
  opts: DiscoverOptions,
): Promise<number> {
  const report = await discoverTarget(io, drivers, target, opts);
  if (opts.json) printJson(io, report.json);
  else io.stdout.write(report.kind === 'connection' ? renderConnection(report.json) : renderCsv(report.json));
  return report.json.ok ? 0 : 1;
}

/** Rows of cells as aligned columns (cells cut at 40 characters, one line each). */
function renderGrid(rows: readonly (readonly string[])[], indent: string): string {
  const cut = (s: string): string => {
    const line = s.replace(/[\r\n\t]/g, ' ');
    return line.length > 40 ? `${line.slice(0, 39)}…` : line;
  };
  const cells = rows.map((r) => r.map(cut));
  const widths = cells.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return cells
    .map((r) => `${indent}${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd() + '\n')
    .join('');
}

function renderColumns(columns: readonly DiscoveredColumn[], withSource: boolean): string {
  const head = withSource ? ['column', 'source type', 'type', 'null'] : ['column', 'type'];
  const rows = columns.map((c) =>
    withSource
      ? [
          c.name,
          c.source_type ?? '',
          c.type ?? '?',
          c.nullable === undefined ? '' : c.nullable ? 'yes' : 'no',
        ]
      : [c.name, c.type ?? '?'],
  );
  return renderGrid([head, ...rows], '  ');
}

function renderSample(columns: readonly DiscoveredColumn[], sample: readonly (string | null)[][]): string {
  if (sample.length === 0) return '';
  const rows = sample.map((r) => r.map((v) => (v === null ? 'NULL' : v)));
  return `  sample (${sample.length} row${sample.length === 1 ? '' : 's'}):\n${renderGrid([columns.map((c) => c.name), ...rows], '    ')}`;
}

function renderTable(t: DiscoveredTable): string {
  const estimate =
    t.row_estimate === null ? 'rows unknown' : `~${t.row_estimate} rows (${t.row_estimate_source})`;
  const key = t.primary_key.length > 0 ? `primary key (${t.primary_key.join(', ')})` : 'no primary key';
  const head = `${t.schema}.${t.name}  ${t.kind}  ${estimate}  ${key}\n`;
  const error = t.error ? `  ✗ [${t.error.code}] ${t.error.message}\n` : '';
  return `${head}${error}${renderColumns(t.columns, true)}${renderSample(t.columns, t.sample)}\n`;
}

function renderConnection(r: DiscoveredConnection): string {
  const source = r.cached
    ? `cached, discovered ${r.discovered_at}; --refresh reads again`
    : `discovered ${r.discovered_at}`;
  const head = `${r.connection}  ${r.server_version ?? ''}  schemas: ${r.schemas.join(', ') || 'none'}  ${r.tables.length} table(s)  (${source})\n\n`;
  return head + r.tables.map(renderTable).join('');
}

function renderCsv(r: DiscoveredCsv): string {
  const d = r.dialect;
  const dialect = `delimiter ${JSON.stringify(d.delimiter)}  quote ${JSON.stringify(d.quote)}  escape ${JSON.stringify(d.escape)}  header ${d.header}  encoding ${d.encoding}  null_string ${JSON.stringify(d.null_string)}`;
  const hint = r.hint ? `  hint: ${r.hint}\n` : '';
  return `${r.file}  ${r.rows} rows\n  ${dialect}\n${hint}${renderColumns(r.columns, false)}${renderSample(r.columns, r.sample)}`;
}

/** `discover`. */
export function registerDiscoverCommand(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  act: ActionWrapper,
): void {
  program
    .command('discover')
    .description(
      "list a database connection's tables (columns, types, keys, row estimates, masked samples; cached) or read a CSV file as the CSV extractor would",
    )
    .argument('<target>', '@family.alias (mysql, postgres, supabase) or a CSV file')
    .option('--tables <list>', 'only these tables, comma-separated (name or schema.name)')
    .option(
      '--schema <name>',
      "PostgreSQL schema or MySQL database to list (default: all user schemas / the connection's database; supabase: public)",
    )
    .option('--sample <n>', 'sample rows per table or file (0: none)', '5')
    .option(
      '--table-timeout <seconds>',
      'statement time limit per table; a table over it is reported with an error',
      '5',
    )
    .option('--timeout <seconds>', 'connect timeout', '10')
    .option('--refresh', 'read the server again instead of answering from the cache')
    .option(
      '--connections <file>',
      'connections file (default: osiris_connections.yaml in the project directory)',
    )
    .option('--delimiter <char>', "CSV: field delimiter (the extractor's config.delimiter)")
    .option('--quote <char>', 'CSV: quote character (config.quote)')
    .option('--escape <char>', 'CSV: escape character (config.escape)')
    .option('--no-header', 'CSV: the first line is data (config.header: false)')
    .option('--encoding <name>', 'CSV: utf-8, utf-16 or latin-1 (config.encoding)')
    .option('--null-string <text>', 'CSV: unquoted text read as NULL (config.null_string)')
    .option('--json', 'print one JSON object')
    .action(act((target: string, opts: DiscoverOptions) => runDiscover(io, drivers, target, opts)));
}
