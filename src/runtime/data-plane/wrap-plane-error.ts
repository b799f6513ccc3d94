import { OsirisError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An engine error as an OsirisError of `code` on `stepId` (an OsirisError passes through as it is). */
export function wrapPlaneError(error: unknown, code: ErrorCode, stepId: string, prefix = ''): OsirisError {
  if (error instanceof OsirisError) return error;
  return new OsirisError(code, prefix + messageOf(error), { where: stepId, cause: error });
}
