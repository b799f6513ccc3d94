// The message of an extractor stopped because the writer streaming its rows failed: written by the step
// runner, read by the run's tally so that the writer (the cause), not the extractor, names the run's error.

const PATTERN = /^(?:[^:']*: )?stopped: step '[^']*', which was writing its rows as they came, failed: /;

/** The extractor's error message when `stepId`, its streamed writer, failed with `message`. */
export function renderStoppedBy(stepId: string, message: string): string {
  return `stopped: step '${stepId}', which was writing its rows as they came, failed: ${message}`;
}

/** Whether this error only says another step's failure stopped this one (see renderStoppedBy). */
export function isStoppedBy(message: string): boolean {
  return PATTERN.test(message);
}
