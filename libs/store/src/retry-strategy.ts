/** Retry settings of the S3 client. Every field is optional; the defaults are listed per field. */
export interface RetryOptions {
  /** Attempts per request, the first included; 1 disables retries. Default: 4. */
  maxAttempts?: number;
  /** Backoff base for server errors and dropped connections, in ms. Default: 100. */
  baseDelayMs?: number;
  /** Backoff base for throttling (`SlowDown`, HTTP 429, `ThrottlingException`), in ms. Default: 500. */
  throttlingBaseDelayMs?: number;
  /** Upper bound of one backoff, in ms. Default: 20000. */
  maxDelayMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_THROTTLING_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 20_000;

type ErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/** The retry token the AWS SDK (v3, "retry strategy v2") asks for before each retry. */
export interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** The AWS SDK's retry strategy interface (v2), implemented with capped exponential backoff and full jitter. */
export interface SdkRetryStrategy {
  readonly maxAttempts: number;
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(
    token: RetryToken,
    errorInfo: { error?: unknown; errorType: ErrorType; retryAfterHint?: Date },
  ): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

/**
 * Builds the retry strategy handed to the S3 client: client errors (4xx other than 429) fail at once;
 * server errors, dropped connections and throttling are retried up to `maxAttempts` in all. Before retry
 * `n` (1-based) it waits a random time in `[0, min(maxDelayMs, base * 2^(n-1))]`, or longer when the
 * server sent `Retry-After`, never more than `maxDelayMs`. `random` is injectable for tests.
 *
 * @example
 * ```ts
 * const client = new S3Client({ retryStrategy: createRetryStrategy({ maxAttempts: 6 }) });
 * ```
 */
export function createRetryStrategy(
  options: RetryOptions = {},
  random: () => number = Math.random,
  now: () => number = Date.now,
): SdkRetryStrategy {
  const {
    maxAttempts = DEFAULT_MAX_ATTEMPTS,
    baseDelayMs = DEFAULT_BASE_DELAY_MS,
    throttlingBaseDelayMs = DEFAULT_THROTTLING_BASE_DELAY_MS,
    maxDelayMs = DEFAULT_MAX_DELAY_MS,
  } = options;
  requireInteger('maxAttempts', maxAttempts, 1);
  requireInteger('baseDelayMs', baseDelayMs, 0);
  requireInteger('throttlingBaseDelayMs', throttlingBaseDelayMs, 0);
  requireInteger('maxDelayMs', maxDelayMs, 0);

  const token = (retryCount: number, delayMs: number): RetryToken => ({
    getRetryCount: () => retryCount,
    getRetryDelay: () => delayMs,
  });

  return {
    maxAttempts,
    acquireInitialRetryToken: async () => token(0, 0),
    async refreshRetryTokenForRetry(previous, errorInfo) {
      const retry = previous.getRetryCount() + 1;
      if (errorInfo.errorType === 'CLIENT_ERROR' || retry >= maxAttempts) {
        throw new Error(`Cannot retry: ${errorInfo.errorType} after ${retry} attempt(s)`);
      }
      const base = errorInfo.errorType === 'THROTTLING' ? throttlingBaseDelayMs : baseDelayMs;
      const ceiling = Math.min(maxDelayMs, base * 2 ** (retry - 1));
      let delay = Math.floor(random() * ceiling);
      if (errorInfo.retryAfterHint) delay = Math.max(delay, errorInfo.retryAfterHint.getTime() - now());
      return token(retry, Math.min(delay, maxDelayMs));
    },
    recordSuccess: () => undefined,
  };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot configure retries: '${name}' must be an integer >= ${min}: current value is ${value}`,
    );
  }
}
