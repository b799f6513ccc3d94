import { statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Option } from 'commander';
import type { SessionSummary } from '../index.js';
import { OsirisError, findSession, listSessions, readEvents } from '../index.js';
import type { CliIo } from './cli-io.js';
import { printJson, resolveIoProject } from './cli-io.js';

/** Options shared by every `logs` subcommand. */
export interface LogsOptions {
  logsDir?: string;
  json?: boolean;
}

/** The `--logs-dir` option every logs subcommand takes. */
export function createLogsDirOption(): Option {
  return new Option('--logs-dir <dir>', 'logs directory (default: logs/ in the project directory)');
}

/** `--logs-dir` (relative to cwd), else `logs/` in the project directory. */
export function resolveLogsDir(io: CliIo, opts: LogsOptions): string {
  if (opts.logsDir === undefined) return join(resolveIoProject(io).root, 'logs');
  const dir = resolve(io.cwd, opts.logsDir);
  // A file there is a mistake, not an empty history ("no sessions" would hide it).
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false)
    throw new OsirisError(
      'usage',
      `--logs-dir ${opts.logsDir} is not a directory (expected the logs directory of a project)`,
    );
  return dir;
}

/** The STATUS column: success/failed from status.json, else running, incomplete or corrupt. */
function describeStatus(session: SessionSummary): string {
  if (session.state === 'corrupt' || session.state === 'running') return session.state;
  if (!session.status) return 'incomplete';
  return session.status.ok ? 'success' : 'failed';
}

/** What `logs list --json` prints (and the MCP tool returns): the sessions, newest first. */
export function listSessionsReport(
  io: CliIo,
  opts: LogsOptions,
): { sessions: Array<Record<string, unknown>> } {
  return {
    sessions: listSessions(resolveLogsDir(io, opts)).map((s) => ({
      ...s.status,
      session_id: s.id,
      dir: s.dir,
      status: describeStatus(s),
      ...(s.problem ? { problem: s.problem } : {}),
    })),
  };
}

/** `logs list`. */
export function runLogsList(io: CliIo, opts: LogsOptions): number {
  if (opts.json) {
    printJson(io, listSessionsReport(io, opts));
    return 0;
  }
  const sessions = listSessions(resolveLogsDir(io, opts));
  if (sessions.length === 0) {
    io.stdout.write(`no sessions in ${resolveLogsDir(io, opts)}\n`);
    return 0;
  }
  const rows = sessions.map((s) => [
    s.id,
    describeStatus(s),
    s.status?.pipeline_id ?? '?',
    s.status ? `${s.status.adapter}${s.status.transport ? `/${s.status.transport}` : ''}` : '?',
    s.status ? `${s.status.steps_completed}/${s.status.steps_total}` : '?',
    String(s.status?.rows_read ?? ''),
    String(s.status?.rows_written ?? ''),
    s.status ? `${s.status.duration_ms} ms` : '',
    s.problem ?? s.status?.failed_step ?? '',
  ]);
  const header = [
    'SESSION',
    'STATUS',
    'PIPELINE',
    'ADAPTER',
    'STEPS',
    'READ',
    'WRITTEN',
    'DURATION',
    'FAILED STEP / PROBLEM',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    io.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

/** Per-step summary of a session, from its events. */
export function summarizeSteps(dir: string): Array<{
  step_id: string;
  driver: string;
  status: string;
  rows: number;
  duration_ms: number;
  error?: string;
}> {
  const steps = new Map<
    string,
    { step_id: string; driver: string; status: string; rows: number; duration_ms: number; error?: string }
  >();
  for (const e of readEvents(dir)) {
    const id = typeof e.step_id === 'string' ? e.step_id : undefined;
    if (!id) continue;
    if (e.event === 'step_start')
      steps.set(id, { step_id: id, driver: String(e.driver), status: 'running', rows: 0, duration_ms: 0 });
    const s = steps.get(id);
    if (!s) continue;
    if (e.event === 'step_complete')
      Object.assign(s, {
        status: 'success',
        rows: Number(e.rows_processed),
        duration_ms: Number(e.duration_ms),
      });
    if (e.event === 'step_failed')
      Object.assign(s, { status: 'failed', duration_ms: Number(e.duration_ms), error: String(e.error) });
  }
  return [...steps.values()];
}

/** The session REF names (`run_<id>`, its number, a path), else the newest readable one. */
function findSessionOrNewest(io: CliIo, opts: LogsOptions, ref: string | undefined): SessionSummary {
  const logsDir = resolveLogsDir(io, opts);
  let session: SessionSummary | undefined;
  if (ref) session = findSession(logsDir, ref);
  else session = listSessions(logsDir).find((s) => s.state !== 'corrupt');
  if (!session) throw new OsirisError('usage', `no sessions in ${logsDir}`);
  return session;
}

/** What `logs show|last --json` prints (and the MCP tool returns): status.json and the steps. */
export function showSessionReport(
  io: CliIo,
  opts: LogsOptions,
  ref: string | undefined,
): {
  session_id: string;
  dir: string;
  status: SessionSummary['status'] | null;
  steps: ReturnType<typeof summarizeSteps>;
} {
  const session = findSessionOrNewest(io, opts, ref);
  const steps = summarizeSteps(session.dir);
  return { session_id: session.id, dir: session.dir, status: session.status ?? null, steps };
}

/** `logs show SESSION` and `logs last`. */
export function runLogsShow(io: CliIo, opts: LogsOptions, ref: string | undefined): number {
  if (opts.json) {
    printJson(io, showSessionReport(io, opts, ref));
    return 0;
  }
  const session = findSessionOrNewest(io, opts, ref);
  const steps = summarizeSteps(session.dir);
  const st = session.status;
  io.stdout.write(`session   ${session.id}  (${relative(io.cwd, session.dir) || session.dir})\n`);
  io.stdout.write(
    `status    ${describeStatus(session)}${st?.error ? ` [${st.error.code}] ${st.error.message}` : ''}${session.problem ? ` (${session.problem})` : ''}\n`,
  );
  if (st) {
    io.stdout.write(
      `pipeline  ${st.pipeline_id}   adapter ${st.adapter}${st.transport ? `/${st.transport}` : ''}\n`,
    );
    io.stdout.write(`started   ${st.started_at}   duration ${st.duration_ms} ms\n`);
    io.stdout.write(`rows      read ${st.rows_read}   written ${st.rows_written}\n`);
  }
  io.stdout.write('steps\n');
  for (const s of steps) {
    io.stdout.write(
      `  ${s.status.padEnd(8)} ${s.step_id.padEnd(28)} ${s.driver.padEnd(26)} ${String(s.rows).padStart(9)} rows ${String(s.duration_ms).padStart(7)} ms${s.error ? `  ${s.error}` : ''}\n`,
    );
  }
  return 0;
}
