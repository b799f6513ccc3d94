import { relative } from 'node:path';
import type { DriverTable, SessionStatus } from '../index.js';
import { EXIT_CODES, OsirisError, describeError } from '../index.js';
import type { CliIo } from './cli-io.js';
import { printJson, reportError } from './cli-io.js';
import { parsePositiveInt } from './execution-target.js';
import type { RunOptions, RunSettings } from './run-command.js';
import { printRunSummary } from './print-run-summary.js';
import { loadPlan, readRunSettings, runRetryingLost } from './run-command.js';
import type { SandboxTarget } from './select-adapter.js';

/** One pipeline of a batch: its status and session, or why it never ran (compile error, bad file). */
type BatchEntry =
  | { file: string; status: SessionStatus; session_dir: string; lost_session_dir?: string }
  | { file: string; error: { code: string; message: string } };

/** What every pipeline of the batch shares. */
interface BatchContext {
  opts: RunOptions;
  io: CliIo;
  drivers: DriverTable;
  settings: RunSettings;
  sandboxes: SandboxTarget | undefined;
}

/** Compile (or load) and run one pipeline of a batch, once more after a lost sandbox if asked; never throws. */
async function runOne(file: string, ctx: BatchContext): Promise<BatchEntry> {
  const { opts, io, drivers } = ctx;
  try {
    const plan = loadPlan(file, { ...opts, lastCompile: false }, io, drivers);
    const sessionPath = (dir: string): string => relative(io.cwd, dir) || dir;
    const { result, lost } = await runRetryingLost({ ...ctx.settings, plan }, ctx.sandboxes, opts);
    return {
      file,
      status: result.status,
      session_dir: sessionPath(result.sessionDir),
      ...(lost ? { lost_session_dir: sessionPath(lost.sessionDir) } : {}),
    };
  } catch (error) {
    const { code, message } = describeError(error);
    return { file, error: { code, message } };
  }
}

/**
 * `osiris run A.yaml B.yaml …`: each pipeline its own session, `--parallel` of them at once, in the order
 * given; with a sandbox, as many pooled sandboxes. Exit 0 when all succeeded, 130 when interrupted, else 1.
 */
export async function runBatchCommand(
  files: readonly string[],
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): Promise<number> {
  const json = Boolean(opts.json);
  let sandboxes: SandboxTarget | undefined;
  try {
    if (opts.lastCompile)
      throw new OsirisError('usage', 'give either pipeline files or --last-compile, not both');
    const parallel = parsePositiveInt(opts.parallel ?? '2', '--parallel');
    // a pool as large as the batch's parallelism; --no-sandbox-reuse gives each pipeline a new sandbox
    const poolSize = opts.sandboxReuse === false ? undefined : Math.min(parallel, files.length);
    const setup = await readRunSettings(opts, io, drivers, signal, poolSize);
    sandboxes = setup.sandboxes;
    const ctx: BatchContext = { opts, io, drivers, settings: setup.settings, sandboxes };
    const entries: BatchEntry[] = new Array<BatchEntry>(files.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < files.length; i = next++) {
        // after Ctrl-C no pipeline starts; the running ones end interrupted with their sessions complete
        const entry = signal.aborted
          ? {
              file: files[i] as string,
              error: { code: 'interrupted', message: 'not started: the batch was interrupted' },
            }
          : await runOne(files[i] as string, ctx);
        entries[i] = entry;
        if (!json) printEntry(io, entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
    const ok = entries.every((e) => 'status' in e && e.status.ok);
    const exitCode = signal.aborted ? EXIT_CODES.interrupted : ok ? EXIT_CODES.ok : EXIT_CODES.failed;
    if (json) printJson(io, { ok, exit_code: exitCode, pipelines: entries.map(flattenEntry) });
    else
      io.stdout.write(
        `${entries.filter((e) => 'status' in e && e.status.ok).length}/${files.length} pipelines succeeded\n`,
      );
    return exitCode;
  } catch (error) {
    return reportError(io, error, json);
  } finally {
    // the pool's idle sandboxes go now; those of running pipelines went with their runs
    await sandboxes?.close();
  }
}

function printEntry(io: CliIo, entry: BatchEntry): void {
  if (!('status' in entry)) {
    io.stderr.write(`✗ ${entry.file}: not run [${entry.error.code}]: ${entry.error.message}\n`);
    return;
  }
  if (entry.lost_session_dir)
    io.stderr.write(`↻ ${entry.file}: sandbox lost (session ${entry.lost_session_dir}), ran again\n`);
  printRunSummary(io, entry.status, entry.session_dir);
}

function flattenEntry(entry: BatchEntry): Record<string, unknown> {
  return 'status' in entry
    ? {
        file: entry.file,
        ...entry.status,
        session_dir: entry.session_dir,
        ...(entry.lost_session_dir ? { lost_session_dir: entry.lost_session_dir } : {}),
      }
    : { file: entry.file, ok: false, error: entry.error };
}
