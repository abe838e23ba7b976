/** First delay before a retry, in milliseconds. */
export const BACKOFF_INITIAL_DELAY_MS = 100;
/** Factor applied to the delay after each failed attempt. */
export const BACKOFF_MULTIPLIER = 2;
/** Upper bound of a delay before jitter, in milliseconds. */
export const BACKOFF_MAX_DELAY_MS = 5_000;
/** Relative jitter: a delay d becomes a uniform value in [d × (1 − jitter), d × (1 + jitter)]. */
export const BACKOFF_JITTER = 0.2;

/** Shape of the exponential backoff; every field has the default named by its constant. */
export interface BackoffOptions {
  /** First delay in ms. Default {@link BACKOFF_INITIAL_DELAY_MS}. */
  readonly initialDelayMs?: number;
  /** Growth factor per attempt, >= 1. Default {@link BACKOFF_MULTIPLIER}. */
  readonly multiplier?: number;
  /** Cap on the delay before jitter, in ms. Default {@link BACKOFF_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
  /** Relative jitter in [0, 1]. Default {@link BACKOFF_JITTER}. */
  readonly jitter?: number;
  /** Source of uniform numbers in [0, 1); default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Delay before retry number `retry` (0 for the first retry): `min(initial × multiplier^retry, max)`,
 * spread by the jitter.
 *
 * @example
 * ```ts
 * backoffDelayMs(3, { jitter: 0 }); // 800
 * ```
 */
export function backoffDelayMs(retry: number, options: BackoffOptions = {}): number {
  const {
    initialDelayMs = BACKOFF_INITIAL_DELAY_MS,
    multiplier = BACKOFF_MULTIPLIER,
    maxDelayMs = BACKOFF_MAX_DELAY_MS,
    jitter = BACKOFF_JITTER,
    random = Math.random,
  } = options;
  const base = Math.min(initialDelayMs * multiplier ** retry, maxDelayMs);
  return Math.round(base * (1 - jitter + 2 * jitter * random()));
}

/**
 * Checks backoff options before any work starts.
 *
 * @throws {RangeError} naming the option and its value.
 */
export function validateBackoffOptions(options: BackoffOptions): void {
  const { initialDelayMs, multiplier, maxDelayMs, jitter } = options;
  check('initialDelayMs', initialDelayMs, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0');
  check('multiplier', multiplier, (v) => Number.isFinite(v) && v >= 1, 'a finite number >= 1');
  check('maxDelayMs', maxDelayMs, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0');
  check('jitter', jitter, (v) => v >= 0 && v <= 1, 'a number from 0 to 1');
}

function check(name: string, value: number | undefined, ok: (v: number) => boolean, what: string): void {
  if (value !== undefined && !ok(value)) {
    throw new RangeError(`Cannot use backoff options: '${name}' must be ${what}: got ${value}`);
  }
}

/**
 * Waits `ms` milliseconds, or rejects with the signal's reason as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(250, AbortSignal.timeout(1_000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Options of {@link retryWithBackoff}. */
export interface RetryOptions extends BackoffOptions {
  /** Attempts in total, first one included; >= 1. */
  readonly maxAttempts: number;
  /** Whether a failure may be retried. */
  readonly shouldRetry: (error: unknown) => boolean;
  /** Stops waiting between attempts; the pending delay rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called before each wait with the failed attempt (1-based), its error and the delay chosen. */
  readonly onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, or `maxAttempts` is used up; between
 * attempts it waits {@link backoffDelayMs}. The last failure is rethrown unchanged.
 *
 * @example
 * ```ts
 * const live = await retryWithBackoff(() => client.serverLive(), {
 *   maxAttempts: 4,
 *   shouldRetry: (e) => e instanceof TritonError && e.codeName === 'UNAVAILABLE',
 * });
 * ```
 */
export async function retryWithBackoff<T>(
  attempt: (index: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { maxAttempts, shouldRetry, signal } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`Cannot retry: 'maxAttempts' must be a positive integer: got ${maxAttempts}`);
  }
  for (let index = 0; ; index++) {
    signal?.throwIfAborted();
    try {
      return await attempt(index);
    } catch (error) {
      if (index + 1 >= maxAttempts || !shouldRetry(error)) throw error;
      const delayMs = backoffDelayMs(index, options);
      options.onRetry?.({ attempt: index + 1, error, delayMs });
      await sleep(delayMs, signal);
    }
  }
}
