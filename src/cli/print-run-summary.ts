// What a finished run shows: the `--json` object and the two summary lines (run, batch and MCP share them).
import { relative } from 'node:path';
import type { RunResult, SessionStatus } from '../index.js';
import type { CliIo } from './cli-io.js';

/** A session directory as the run commands show it: relative to the current directory. */
export function showSessionDir(io: CliIo, r: RunResult): string {
  return relative(io.cwd, r.sessionDir) || r.sessionDir;
}

/** The object `osiris run --json` prints: status.json, session_dir, and lost_session_dir after a retry. */
export function renderRunJson(io: CliIo, result: RunResult, lost?: RunResult): Record<string, unknown> {
  return {
    ...result.status,
    session_dir: showSessionDir(io, result),
    ...(lost ? { lost_session_dir: showSessionDir(io, lost) } : {}),
  };
}

/** The two lines a finished run prints: ✓ on stdout, ✗ (with the error) on stderr. */
export function printRunSummary(io: CliIo, status: SessionStatus, sessionPath: string): void {
  if (status.ok) {
    io.stdout.write(
      `✓ ${status.pipeline_id}: ${status.steps_completed}/${status.steps_total} steps, ${status.rows_read} rows read, ${status.rows_written} rows written in ${status.duration_ms} ms\n  session ${status.session_id}: ${sessionPath}\n`,
    );
  } else {
    io.stderr.write(
      `✗ ${status.pipeline_id}: failed${status.failed_step ? ` at step ${status.failed_step}` : ''} [${status.error?.code}]: ${status.error?.message}\n  session ${status.session_id}: ${sessionPath}\n`,
    );
  }
}
