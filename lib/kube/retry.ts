import { isRetryable, TooManyRequests } from './errors.js';

/** How a request is retried: 429 (honouring Retry-After), 5xx and no-answer failures, with exponential backoff. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The share of each backoff taken off at random (0 to 1; none when absent), so that clients that failed
   * together do not all come back together. A Retry-After the server sent is waited as it is.
   */
  jitter?: number;
}

/** Defaults: 10 attempts (client-go's limit for Retry-After answers), 200 ms doubling to at most 10 s, half of it jittered. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 200, maxDelayMs: 10_000, jitter: 0.5 };

/**
 * Runs `fn`, retrying what is worth retrying; a 4xx other than 429 fails at once. `onRetry` sees every retry;
 * `random` (0 to 1) draws the jitter.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !isRetryable(err)) throw err;
      const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const backoff = Math.round(full * (1 - (policy.jitter ?? 0) * random()));
      const asked = err instanceof TooManyRequests && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
      const delay = Math.min(policy.maxDelayMs, Math.max(backoff, asked));
      onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
