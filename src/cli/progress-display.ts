import type { SessionListener } from '../index.js';
import { formatCount } from '../index.js';

/** Where progress goes; a TTY gets one live line, anything else gets plain lines. */
export interface ProgressTarget {
  /** Write text. */
  write(text: string): void;
  /** Whether the target is an interactive terminal. */
  isTTY: boolean;
}

export interface ProgressOptions {
  /** Colours allowed (TTY and no NO_COLOR). */
  color: boolean;
  /** Stream every event line (`--verbose`). */
  verbose: boolean;
  /** Steps in the manifest. */
  stepsTotal: number;
}

const paint = (on: boolean, code: number, text: string): string =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

// formatCount, not toLocaleString: the first toLocaleString call loads ICU data (~18 ms of every run).
function formatRate(rows: number, ms: number): string {
  return ms > 0 ? `${formatCount((rows * 1000) / ms)} rows/s` : '';
}

/** A session listener that renders progress: step, rows, rows/s. */
export function createProgressDisplay(target: ProgressTarget, options: ProgressOptions): SessionListener {
  let index = 0;
  let current: { id: string; started: number; rows: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const live = (): void => {
    if (!current) return;
    const ms = Date.now() - current.started;
    const rows = current.rows > 0 ? `${formatCount(current.rows)} rows  ${formatRate(current.rows, ms)}` : '';
    target.write(
      `\r\x1b[2K${paint(options.color, 36, '▶')} [${index}/${options.stepsTotal}] ${current.id}  ${rows}  ${(ms / 1000).toFixed(1)}s`,
    );
  };
  const finish = (line: string): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    target.write(target.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  };
  return ({ kind, line }) => {
    if (options.verbose) {
      target.write(`${JSON.stringify(line)}\n`);
      return;
    }
    if (kind !== 'event') return;
    const stepId = String(line.step_id ?? '');
    switch (line.event) {
      case 'step_start':
        index++;
        current = { id: stepId, started: Date.now(), rows: 0 };
        if (target.isTTY) {
          live();
          timer = setInterval(live, 250);
          timer.unref();
        }
        break;
      case 'write.progress':
        if (current) current.rows = Number(line.rows_written ?? 0);
        break;
      case 'step_complete': {
        const rows = Number(line.rows_processed ?? 0);
        const ms = Number(line.duration_ms ?? 0);
        finish(
          `${paint(options.color, 32, '✓')} [${index}/${options.stepsTotal}] ${stepId}  ${formatCount(rows)} rows  ${ms} ms  ${formatRate(rows, ms)}`.trimEnd(),
        );
        current = undefined;
        break;
      }
      case 'step_failed':
        // the message itself is printed once, in the run summary
        finish(
          `${paint(options.color, 31, '✗')} [${index}/${options.stepsTotal}] ${stepId}  failed [${String(line.error_code)}]`,
        );
        current = undefined;
        break;
    }
  };
}
