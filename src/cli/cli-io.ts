import { resolve } from 'node:path';
import type { ConnectionsRegistry, Project } from '../index.js';
import { OsirisError, describeError, exitCodeFor, loadConnections, resolveProject } from '../index.js';

/** The process streams and environment a command uses; tests can run the CLI in-process with their own. */
export interface CliIo {
  /** Standard output. */
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Standard error. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Environment. */
  env: Record<string, string | undefined>;
  /** Current directory. */
  cwd: string;
  /** `--project-dir` as given (relative to cwd); unset: the osiris.yaml search decides. */
  projectDir?: string;
  /** Package root of the running osiris (holds dist/worker); needed only by sandbox runs. */
  installDir?: string;
}

/** Whether colour may be used on this stream (TTY and NO_COLOR unset). */
export function isColorAllowed(io: CliIo): boolean {
  return Boolean(io.stderr.isTTY) && !('NO_COLOR' in io.env);
}

/** Print exactly one JSON object on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Report an error (as JSON with --json) and return its exit code. */
export function reportError(io: CliIo, error: unknown, json: boolean): number {
  const d = describeError(error);
  const code = exitCodeFor(error);
  if (json) printJson(io, { ok: false, error: { code: d.code, message: d.message }, exit_code: code });
  else io.stderr.write(`error [${d.code}]: ${d.message}\n`);
  return code;
}

/** Parse repeated `k=v` options into a record. */
export function parseKeyValues(values: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new OsirisError('usage', `${flag} expects NAME=VALUE, got '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Collector for repeatable options. */
export function collectOption(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Wraps a command action so it stores its exit code and reports its own errors (see program.ts). */
export type ActionWrapper = <A extends unknown[]>(
  fn: (...args: A) => number | Promise<number>,
) => (...args: A) => Promise<void>;

/** The project a command works in (see resolveProject); `file` is the pipeline or manifest it names. */
export function resolveIoProject(io: CliIo, file?: string): Project {
  return resolveProject({
    cwd: io.cwd,
    ...(file === undefined ? {} : { file }),
    ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
  });
}

/** A path the user typed in a flag: relative to the current directory, like any command-line tool. */
export function resolveFlagPath(io: CliIo, path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(io.cwd, path);
}

/** The connections a command sees: `--connections FILE` (relative to cwd), else the project's. */
export function loadIoConnections(io: CliIo, file: string | undefined): ConnectionsRegistry {
  return loadConnections({ file: resolveFlagPath(io, file), root: resolveIoProject(io).root, env: io.env });
}
