import type { StepContext } from '../../core/index.js';

/** Emits `write.progress` at most once a second (docs/events-and-metrics.md), however often it is told. */
export interface ProgressReporter {
  /** Rows written so far; emits when a second has passed since the last event. */
  report(rowsWritten: number): void;
}

/** A reporter bound to a step's context; `now` is injectable for tests. */
export function createProgressReporter(
  ctx: StepContext,
  target: string,
  now: () => number = Date.now,
): ProgressReporter {
  let last = now();
  return {
    report(rowsWritten) {
      const t = now();
      if (t - last < 1000) return;
      last = t;
      ctx.emit('write.progress', { rows_written: rowsWritten, target });
    },
  };
}
