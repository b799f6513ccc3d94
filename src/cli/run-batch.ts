import { relative } from 'node:path';
import type { DriverTable, SessionStatus } from '../index.js';
import { EXIT_CODES, OsirisError, describeError, runPipeline } from '../index.js';
import type { CliIo } from './cli-io.js';
import { printJson, reportError } from './cli-io.js';
import { parsePositiveInt } from './execution-target.js';
import type { RunOptions, RunSettings } from './run-command.js';
import { loadPlan, printRunSummary, readRunSettings } from './run-command.js';

/** One pipeline of a batch: its status and session, or why it never ran (compile error, bad file). */
type BatchEntry =
  | { file: string; status: SessionStatus; session_dir: string }
  | { file: string; error: { code: string; message: string } };

/** Compile (or load) and run one pipeline of a batch; never throws. */
async function runOne(
  file: string,
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  settings: RunSettings,
): Promise<BatchEntry> {
  try {
    const plan = loadPlan(file, { ...opts, lastCompile: false }, io, drivers);
    const result = await runPipeline({ ...settings, plan });
    return {
      file,
      status: result.status,
      session_dir: relative(io.cwd, result.sessionDir) || result.sessionDir,
    };
  } catch (error) {
    const { code, message } = describeError(error);
    return { file, error: { code, message } };
  }
}

/**
 * `osiris run A.yaml B.yaml …`: each pipeline its own session, `--parallel` of them at once, in the order
 * given. Exit 0 when all succeeded, 130 when interrupted, else 1.
 */
export async function runBatchCommand(
  files: readonly string[],
  opts: RunOptions,
  io: CliIo,
  drivers: DriverTable,
  signal: AbortSignal,
): Promise<number> {
  const json = Boolean(opts.json);
  try {
    if (opts.lastCompile)
      throw new OsirisError('usage', 'give either pipeline files or --last-compile, not both');
    const parallel = parsePositiveInt(opts.parallel ?? '2', '--parallel');
    const settings = await readRunSettings(opts, io, drivers, signal);
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
          : await runOne(files[i] as string, opts, io, drivers, settings);
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
  }
}

function printEntry(io: CliIo, entry: BatchEntry): void {
  if ('status' in entry) printRunSummary(io, entry.status, entry.session_dir);
  else io.stderr.write(`✗ ${entry.file}: not run [${entry.error.code}]: ${entry.error.message}\n`);
}

function flattenEntry(entry: BatchEntry): Record<string, unknown> {
  return 'status' in entry
    ? { file: entry.file, ...entry.status, session_dir: entry.session_dir }
    : { file: entry.file, ok: false, error: entry.error };
}
