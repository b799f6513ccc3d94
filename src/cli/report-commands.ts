import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { SessionIndexEntry, SessionSummary } from '../index.js';
import {
  compareSessions,
  EXIT_CODES,
  findSession,
  formatComparison,
  listSessions,
  makeDirectory,
  OsirisError,
  readSessionSnapshot,
  renderComparisonReport,
  renderSessionIndex,
  renderSessionReport,
} from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { printJson } from './cli-io.js';
import { createLogsDirOption, resolveLogsDir } from './logs-command.js';

/** Options of `logs html`. */
export interface LogsHtmlOptions {
  logsDir?: string;
  last?: boolean;
  all?: boolean;
  out?: string;
  open?: boolean;
  json?: boolean;
}

/** Options of `logs compare`. */
export interface LogsCompareOptions {
  logsDir?: string;
  html?: string;
  json?: boolean;
}

/** Default name of a session's page inside its own directory. */
export const SESSION_REPORT_FILE = 'report.html';

/** Add `logs html` and `logs compare` to the `logs` command. */
export function registerReportCommands(logs: Command, io: CliIo, act: ActionWrapper): void {
  logs
    .command('html')
    .description(
      'write a self-contained HTML report of a session (default: the newest), or of all sessions with --all',
    )
    .argument('[session]', 'session id (run_…), its number, or a session directory')
    .option('--last', 'the newest session (the default when no session is given)')
    .option('--all', 'an index page of all sessions plus one page per session')
    .option(
      '--out <path>',
      'output file (one session; default <session>/report.html) or directory (--all; default the logs directory)',
    )
    .option('--open', 'open the result with xdg-open (never fails the command)')
    .addOption(createLogsDirOption())
    .option('--json', 'print one JSON object')
    .action(act((ref: string | undefined, opts: LogsHtmlOptions) => runLogsHtml(io, ref, opts)));
  logs
    .command('compare')
    .description(
      'compare two sessions after normalization (events, metrics, artifact bytes; see docs/report.md); exit 1 on a difference',
    )
    .argument('<a>', 'first session (id, number or directory)')
    .argument('<b>', 'second session (id, number or directory)')
    .option('--html <file>', 'also write the parity view as a self-contained HTML file')
    .addOption(createLogsDirOption())
    .option('--json', 'print one JSON object')
    .action(act((a: string, b: string, opts: LogsCompareOptions) => runLogsCompare(io, a, b, opts)));
}

function display(io: CliIo, path: string): string {
  return relative(io.cwd, path) || path;
}

function writeHtml(path: string, html: string): void {
  try {
    makeDirectory(dirname(path));
    writeFileSync(path, html);
  } catch (error) {
    throw new OsirisError(
      'io_error',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (expected a writable file path)`,
    );
  }
}

/** Best effort: a missing opener or display must not fail the command that wrote the file. */
function openInBrowser(io: CliIo, path: string): void {
  try {
    const child = spawn('xdg-open', [path], {
      detached: true,
      stdio: 'ignore',
      env: io.env as NodeJS.ProcessEnv,
    });
    child.on(
      'error',
      () =>
        void io.stderr.write(
          `note: could not open ${display(io, path)} (xdg-open unavailable); open it in a browser\n`,
        ),
    );
    child.unref();
  } catch {
    io.stderr.write(`note: could not open ${display(io, path)}; open it in a browser\n`);
  }
}

function pickSession(io: CliIo, logsDir: string, ref: string | undefined): SessionSummary {
  if (ref)
    return findSession(
      resolve(io.cwd, logsDir),
      ref.startsWith('.') || ref.includes('/') ? resolve(io.cwd, ref) : ref,
    );
  // the newest readable session: a corrupt entry has no report to write
  const newest = listSessions(logsDir).find((s) => s.state !== 'corrupt');
  if (!newest)
    throw new OsirisError('usage', `no sessions in ${logsDir} (run a pipeline first, or pass --logs-dir)`);
  return newest;
}

/** `logs html [SESSION|--last] [--out FILE]` and `logs html --all [--out DIR]`. */
export function runLogsHtml(io: CliIo, ref: string | undefined, opts: LogsHtmlOptions): number {
  const logsDir = resolveLogsDir(io, opts);
  if (opts.all && (ref || opts.last))
    throw new OsirisError('usage', '--all writes every session; do not also name a session or --last');
  if (ref && opts.last) throw new OsirisError('usage', 'name a session or pass --last, not both');
  if (opts.all) return writeAllReports(io, logsDir, opts);
  const session = pickSession(io, logsDir, ref);
  const out = opts.out ? resolve(io.cwd, opts.out) : join(session.dir, SESSION_REPORT_FILE);
  const html = renderSessionReport(readSessionSnapshot(session.dir));
  writeHtml(out, html);
  if (opts.json)
    printJson(io, { ok: true, session_id: session.id, report: out, bytes: Buffer.byteLength(html) });
  else io.stdout.write(`wrote ${display(io, out)} (${session.id})\n`);
  if (opts.open) openInBrowser(io, out);
  return EXIT_CODES.ok;
}

function writeAllReports(io: CliIo, logsDir: string, opts: LogsHtmlOptions): number {
  const sessions = listSessions(logsDir);
  const outDir = opts.out ? resolve(io.cwd, opts.out) : logsDir;
  const indexPath = join(outDir, 'index.html');
  const entries: SessionIndexEntry[] = [];
  const reports: Array<{ session_id: string; report: string }> = [];
  const corrupt: Array<{ session_id: string; problem: string }> = [];
  for (const s of sessions) {
    // with --out every page sits beside the index; by default each page lives in its session
    const page = opts.out ? join(outDir, `${s.id}.html`) : join(s.dir, SESSION_REPORT_FILE);
    const href = relative(outDir, page).split('\\').join('/');
    const back = relative(dirname(page), indexPath).split('\\').join('/');
    const html = s.state === 'corrupt' ? undefined : renderOrUndefined(s.dir, back);
    if (html === undefined) {
      // a damaged entry is listed as corrupt and the others are still written
      const problem = s.problem ?? 'its files cannot be read as a session';
      entries.push({ id: s.id, status: undefined, href: '', problem });
      corrupt.push({ session_id: s.id, problem });
      continue;
    }
    writeHtml(page, html);
    entries.push({ id: s.id, status: s.status, href });
    reports.push({ session_id: s.id, report: page });
  }
  writeHtml(indexPath, renderSessionIndex(entries));
  if (opts.json) printJson(io, { ok: true, index: indexPath, reports, corrupt });
  else {
    for (const c of corrupt) io.stdout.write(`skipped ${c.session_id}: corrupt (${c.problem})\n`);
    io.stdout.write(`wrote ${display(io, indexPath)} and ${reports.length} session page(s)\n`);
  }
  if (opts.open) openInBrowser(io, indexPath);
  return EXIT_CODES.ok;
}

/** A session's page, or undefined when its files cannot be rendered (damaged in a way listing missed). */
function renderOrUndefined(dir: string, indexHref: string): string | undefined {
  try {
    return renderSessionReport(readSessionSnapshot(dir), { indexHref });
  } catch {
    return undefined;
  }
}

/** `logs compare A B [--json] [--html FILE]`: exit 0 when equal, 1 on a difference. */
export function runLogsCompare(io: CliIo, refA: string, refB: string, opts: LogsCompareOptions): number {
  const logsDir = resolveLogsDir(io, opts);
  const a = pickSession(io, logsDir, refA);
  const b = pickSession(io, logsDir, refB);
  const comparison = compareSessions(readSessionSnapshot(a.dir), readSessionSnapshot(b.dir));
  const code = comparison.equal ? EXIT_CODES.ok : EXIT_CODES.failed;
  let htmlPath: string | undefined;
  if (opts.html) {
    htmlPath = resolve(io.cwd, opts.html);
    writeHtml(htmlPath, renderComparisonReport(comparison));
  }
  if (opts.json) printJson(io, { ...comparison, exit_code: code, ...(htmlPath ? { html: htmlPath } : {}) });
  else {
    io.stdout.write(formatComparison(comparison));
    if (htmlPath) io.stdout.write(`wrote ${display(io, htmlPath)}\n`);
  }
  return code;
}
