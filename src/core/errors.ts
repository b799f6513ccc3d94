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
  'timeout',
  'interrupted',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Exit codes of DESIGN 5.8. */
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

/** Stable code and message of any thrown value. */
export function describeError(error: unknown): { code: ErrorCode; message: string; type: string } {
  if (error instanceof OsirisError) return { code: error.code, message: error.message, type: error.name };
  if (error instanceof Error) return { code: 'internal', message: error.message, type: error.name };
  return { code: 'internal', message: String(error), type: typeof error };
}
