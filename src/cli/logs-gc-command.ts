// `logs gc`: the one command that deletes. It deletes only what it can prove is a finished or dead
// Osiris session (name `run_<digits>`, the session files present, the id inside matching the name, no
// live process holding its lock), never follows a symlink, and first sweeps what dead runs left behind
// (their `.work` data plane, partial output temp files, local-sandbox directories).
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { SessionSummary, SweptSession } from '../index.js';
import { OsirisError, listSessions, sweepDeadSessions, sweepStaleSandboxes } from '../index.js';
import type { CliIo } from './cli-io.js';
import { printJson } from './cli-io.js';
import type { LogsOptions } from './logs-command.js';
import { resolveLogsDir } from './logs-command.js';

/** Options of `logs gc`. */
export interface LogsGcOptions extends LogsOptions {
  /** Sessions to keep (a whole number given as text). */
  keep: string;
  /** List what would be removed; remove nothing. */
  dryRun?: boolean;
}

/** `--keep` as a whole number; anything else (empty, negative, fractional, `1e3`, ` 2`) is a usage error. */
function parseKeep(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new OsirisError(
      'usage',
      `--keep expects a whole number of sessions to keep (0 or more), got '${text.slice(0, 40)}'`,
    );
  return Number(text);
}

/** A session gc may delete: finished or dead, and with every session file present. */
const isDeletable = (s: SessionSummary): boolean =>
  (s.state === 'finished' || s.state === 'incomplete') && s.missing === undefined;

/** Which sessions go: all but the newest `keep`, never a running, corrupt or partial one. */
function planGc(sessions: readonly SessionSummary[], keep: number) {
  return {
    doomed: sessions.filter(isDeletable).slice(keep),
    running: sessions.filter((s) => s.state === 'running'),
    corrupt: sessions
      .filter((s) => s.state === 'corrupt' || (s.state !== 'running' && s.missing !== undefined))
      .map((s) => ({ ...s, problem: s.problem ?? `lacks ${(s.missing ?? []).join(', ')}` })),
  };
}

/** `logs gc --keep N [--dry-run]`: delete all but the newest N finished sessions. */
export function runLogsGc(io: CliIo, opts: LogsGcOptions): number {
  const keep = parseKeep(opts.keep);
  const logsDir = resolveLogsDir(io, opts);
  const dryRun = Boolean(opts.dryRun);
  // leftovers of dead runs first: they are garbage whether or not their session is kept
  const swept: SweptSession[] = dryRun ? [] : sweepDeadSessions(logsDir);
  const sandboxes = dryRun ? [] : sweepStaleSandboxes(tmpdir());
  const { doomed, running, corrupt } = planGc(listSessions(logsDir), keep);
  if (!dryRun) for (const s of doomed) rmSync(s.dir, { recursive: true, force: true });
  if (opts.json) {
    printJson(io, {
      removed: doomed.map((s) => s.id),
      dry_run: dryRun,
      running: running.map((s) => s.id),
      corrupt: corrupt.map((s) => ({ session_id: s.id, problem: s.problem })),
      swept: swept.filter((s) => s.removed.length > 0),
      sandboxes_removed: sandboxes,
    });
    return 0;
  }
  for (const s of doomed) io.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${s.id}\n`);
  for (const s of running) io.stdout.write(`kept ${s.id}: running\n`);
  for (const s of corrupt)
    io.stdout.write(`kept ${s.id}: corrupt (${s.problem}); not a session gc deletes\n`);
  for (const s of swept)
    if (s.removed.length > 0)
      io.stdout.write(`cleaned ${s.session_id} (its run died): ${s.removed.length} leftover(s) removed\n`);
  if (sandboxes.length > 0) io.stdout.write(`removed ${sandboxes.length} abandoned local sandbox(es)\n`);
  io.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${doomed.length} session(s)\n`);
  return 0;
}
