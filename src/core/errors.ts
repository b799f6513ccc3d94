/** Stable error codes: scripts and status.json rely on them, so never rename one. */
export const ERROR_CODES = [
  'usage',
  'oml_invalid',
  'compile_error',
  'connection_error',
  'config_error',
  'input_error',
  'io_error',
  'sql_error',
  'driver_error',
  'dependency_missing',
  'worker_lost',
  'protocol_error',
  'timeout',
  'interrupted',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Exit codes of docs/cli.md. */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Where an error happened in a source file (1-based line and column). */
export interface SourcePosition {
  /** File path as the user gave it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

/** One finding of validation or compilation. */
export interface Diagnostic {
  /** Position in the OML file, when known. */
  position?: SourcePosition;
  /** Step path such as `steps[2].config.path` or `steps.extract-movies.config`. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
}

export interface OsirisErrorOptions {
  /** Where: file:line:col, a step id or a step path. */
  where?: string;
  /** The underlying error (its message must already be masked). */
  cause?: unknown;
}

/** The one error class for expected failures: a stable code plus a message that says what, where and what was expected. */
export class OsirisError extends Error {
  readonly code: ErrorCode;
  readonly where: string | undefined;

  constructor(code: ErrorCode, message: string, options: OsirisErrorOptions = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = 'OsirisError';
    this.code = code;
    this.where = options.where;
  }
}

/** Validation/compile failure carrying every diagnostic, not only the first. */
export class CompileError extends OsirisError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: 'oml_invalid' | 'compile_error', diagnostics: readonly Diagnostic[]) {
    super(code, diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'CompileError';
    this.diagnostics = diagnostics;
  }
}

/** Render a diagnostic as `file:line:col: path: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const pos = d.position ? `${d.position.file}:${d.position.line}:${d.position.col}: ` : '';
  return `${pos}${d.path ? `${d.path}: ` : ''}${d.message}`;
}

/** Exit code for an error: usage and compile problems are 2, interruption 130, the rest 1. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof OsirisError)) return EXIT_CODES.failed;
  if (error.code === 'usage' || error.code === 'oml_invalid' || error.code === 'compile_error') {
    return EXIT_CODES.usage;
  }
  return error.code === 'interrupted' ? EXIT_CODES.interrupted : EXIT_CODES.failed;
}

/** errno codes meaning the storage refused the operation (full, read-only, not permitted, wrong kind of path). */
export const IO_ERRNO_CODES = [
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EISDIR',
  'EFBIG',
  'EIO',
] as const;
export type IoErrno = (typeof IO_ERRNO_CODES)[number];

/** DuckDB reports the OS's strerror text inside "IO Error: ..." rather than an errno. */
const STRERROR_TEXTS: ReadonlyArray<readonly [string, IoErrno]> = [
  ['No space left on device', 'ENOSPC'],
  ['Disk quota exceeded', 'EDQUOT'],
  ['Read-only file system', 'EROFS'],
  ['Permission denied', 'EACCES'],
  ['Operation not permitted', 'EPERM'],
  ['Not a directory', 'ENOTDIR'],
  ['Is a directory', 'EISDIR'],
  ['File too large', 'EFBIG'],
];

const IO_HINTS: Record<IoErrno, string> = {
  ENOSPC: 'the disk is full: free space or use a larger disk',
  EDQUOT: 'the disk quota is used up: free space or raise the quota',
  EROFS: 'the file system is read-only: choose a writable location',
  EACCES: 'permission denied: choose a location this user may write',
  EPERM: 'operation not permitted: choose a location this user may write',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'the path is a directory, a file was expected',
  EFBIG: 'the file exceeds the size the file system allows',
  EIO: 'the device reported an I/O error',
};

/** A storage failure found in an error or its causes: the errno and the path, when reported. */
export interface IoFailure {
  /** errno code, e.g. ENOSPC. */
  errno: IoErrno;
  /** The file the OS or the engine named, when it named one. */
  path: string | undefined;
  /** What the errno means for the user. */
  hint: string;
}

function isIoErrno(code: unknown): code is IoErrno {
  return typeof code === 'string' && (IO_ERRNO_CODES as readonly string[]).includes(code);
}

function inspectOne(error: unknown): IoFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; path?: unknown; dest?: unknown; message?: unknown };
  if (isIoErrno(e.code)) {
    const path = typeof e.path === 'string' ? e.path : typeof e.dest === 'string' ? e.dest : undefined;
    return { errno: e.code, path, hint: IO_HINTS[e.code] };
  }
  const message = typeof e.message === 'string' ? e.message : '';
  if (!/IO Error/.test(message)) return undefined;
  const hit = STRERROR_TEXTS.find(([text]) => message.includes(text));
  if (!hit) return undefined;
  const quoted = /(?:file|directory) "([^"]+)"/.exec(message);
  return { errno: hit[1], path: quoted?.[1], hint: IO_HINTS[hit[1]] };
}

/**
 * The storage failure behind an error, looking through `cause` links: Node's errno errors (ENOSPC,
 * EROFS, EACCES...) and DuckDB's "IO Error: ... No space left on device" texts. Undefined otherwise.
 */
export function findIoFailure(error: unknown): IoFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const found = inspectOne(current);
    if (found) return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The message of an io_error: the original text, the path when it does not say it yet, and the hint. */
function describeIoFailure(message: string, failure: IoFailure): string {
  const path =
    failure.path === undefined
      ? ' (the OS did not name the file)'
      : message.includes(failure.path)
        ? ''
        : ` (${failure.path})`;
  return `${message}${path}; ${failure.hint}`;
}

/** Codes a storage failure overrides: the failure was not the SQL's or the program's. */
const IO_OVERRIDABLE: readonly ErrorCode[] = ['internal', 'sql_error', 'driver_error'];

/**
 * DuckDB's "Out of Memory Error" (the data plane's limit reached by an operator that cannot spill): the
 * run's memory limit is too small for the step, which the user sets, so it is a config_error that says so.
 */
function describeOutOfMemory(message: string): string | undefined {
  const line = message.split('\n').find((l) => /Out of Memory Error/.test(l));
  if (line === undefined) return undefined;
  return (
    `${line.trim()}: the data plane's memory limit is too small for this step; ` +
    'raise --memory-limit (e.g. --memory-limit 1GB) or lower --threads'
  );
}

/** Stable code and message of any thrown value; storage failures are `io_error` with their path. */
export function describeError(error: unknown): { code: ErrorCode; message: string; type: string } {
  if (error instanceof OsirisError) {
    const failure = IO_OVERRIDABLE.includes(error.code) ? findIoFailure(error) : undefined;
    if (failure)
      return { code: 'io_error', message: describeIoFailure(error.message, failure), type: error.name };
    const memory = IO_OVERRIDABLE.includes(error.code) ? describeOutOfMemory(error.message) : undefined;
    if (memory) return { code: 'config_error', message: memory, type: error.name };
    return { code: error.code, message: error.message, type: error.name };
  }
  if (error instanceof Error) {
    const memory = describeOutOfMemory(error.message);
    if (memory) return { code: 'config_error', message: memory, type: error.name };
    const failure = findIoFailure(error);
    if (failure)
      return { code: 'io_error', message: describeIoFailure(error.message, failure), type: error.name };
    return { code: 'internal', message: error.message, type: error.name };
  }
  return { code: 'internal', message: String(error), type: typeof error };
}
