import type { Diagnostic, SourcePosition } from '../core/errors.js';

/** Collects findings of one validation; `invalid` ones (YAML syntax, OML shape) turn the failure into `oml_invalid`. */
export interface DiagnosticSink {
  /** Record a structural problem (YAML syntax, wrong key, wrong type at the OML level). */
  invalid(path: string, message: string, position?: SourcePosition): void;
  /** Record a semantic problem (unknown component, bad config, cycle, ...). */
  error(path: string, message: string, position?: SourcePosition): void;
  /** True when at least one structural problem was recorded. */
  hasInvalid(): boolean;
  /** Every finding, ordered by position (findings without a position last), then by arrival. */
  list(): Diagnostic[];
}

/** Create an empty sink. */
export function createDiagnosticSink(): DiagnosticSink {
  const found: Diagnostic[] = [];
  let invalidCount = 0;
  const push = (path: string, message: string, position?: SourcePosition): void => {
    found.push(position ? { position, path, message } : { path, message });
  };
  return {
    invalid(path, message, position) {
      invalidCount += 1;
      push(path, message, position);
    },
    error: push,
    hasInvalid: () => invalidCount > 0,
    list() {
      const rank = (d: Diagnostic): number =>
        d.position ? d.position.line * 1_000_000 + d.position.col : Number.MAX_SAFE_INTEGER;
      // Array.prototype.sort is stable, so findings at one position keep their arrival order.
      return [...found].sort((a, b) => rank(a) - rank(b));
    },
  };
}
