import { OsirisError } from './errors.js';

/** How often and how patiently transient failures are retried. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
  /** Delay before the second attempt, in ms; doubles after each attempt. */
  initialDelayMs: number;
  /** Upper bound of any delay, in ms. */
  maxDelayMs: number;
}

/** The database drivers' default: 3 attempts, 1 s initial delay, 10 s cap. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, initialDelayMs: 1000, maxDelayMs: 10_000 };

/** What runWithRetry needs besides the work itself. */
export interface RetryOptions {
  /** Attempts and delays. */
  policy: RetryPolicy;
  /**
   * Whether an error may be cured by another attempt; `previous` is the error of the attempt before
   * (undefined on the first), so a refused connection right after a server shutdown can count as part
   * of that shutdown.
   */
  isTransient: (error: unknown, previous: unknown) => boolean;
  /** Stops waiting and retrying when aborted. */
  signal?: AbortSignal;
  /** Told before each wait (attempt = the one that failed, 1-based). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Source of jitter in [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * Delay before attempt `failedAttempt + 1`: exponential (initial × 2^(n-1)), capped, with "equal jitter"
 * (half fixed, half random) so that parallel writers that failed together do not retry in lockstep.
 */
export function computeBackoffDelay(
  failedAttempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * 2 ** Math.max(0, failedAttempt - 1),
  );
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OsirisError('interrupted', 'interrupted while waiting to retry'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OsirisError('interrupted', 'interrupted while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `work` until it succeeds, a deterministic error occurs, or the attempts are used up. `work` must
 * be a whole unit (e.g. one transaction) so that a retry never duplicates rows.
 */
export async function runWithRetry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.policy.attempts));
  let previous: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts || !options.isTransient(error, previous) || options.signal?.aborted)
        throw error;
      previous = error;
      const delay = computeBackoffDelay(attempt, options.policy, options.random);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
