/** First delay before a retry, in milliseconds. */
export const DEFAULT_INITIAL_DELAY_MS = 250;
/** Factor each later delay grows by. */
export const DEFAULT_MULTIPLIER = 2;
/** Longest delay between two attempts, in milliseconds. */
export const DEFAULT_MAX_DELAY_MS = 8_000;
/** Random spread of each delay: 0.2 draws it from [80 %, 120 %] of the nominal delay. */
export const DEFAULT_JITTER = 0.2;
/** Attempts in all, the first one included. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Options of {@link retryWithBackoff}; every field has a documented default. */
export interface RetryOptions {
  /** Attempts in all, the first included; a positive integer. Default {@link DEFAULT_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number;
  /** Delay before the first retry. Default {@link DEFAULT_INITIAL_DELAY_MS}. */
  readonly initialDelayMs?: number;
  /** Growth factor of the delay, >= 1. Default {@link DEFAULT_MULTIPLIER}. */
  readonly multiplier?: number;
  /** Cap on one delay. Default {@link DEFAULT_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
  /** Relative random spread of each delay, 0..1. Default {@link DEFAULT_JITTER}. */
  readonly jitter?: number;
  /** Stops waiting and attempting; the promise rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal | undefined;
  /** Whether an error is worth another attempt. Default: every error is. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait with the failed attempt (1-based), its error and the delay chosen. */
  readonly onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
  /** Source of randomness in [0, 1) for the jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `retry` (1-based): `initialDelayMs * multiplier^(retry-1)`, capped at
 * `maxDelayMs`, then spread by ±`jitter` using `random()`.
 *
 * @example
 * ```ts
 * backoffDelayMs(3, { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 }); // 400
 * ```
 */
export function backoffDelayMs(
  retry: number,
  options: Pick<RetryOptions, 'initialDelayMs' | 'multiplier' | 'maxDelayMs' | 'jitter' | 'random'> = {},
): number {
  const {
    initialDelayMs = DEFAULT_INITIAL_DELAY_MS,
    multiplier = DEFAULT_MULTIPLIER,
    maxDelayMs = DEFAULT_MAX_DELAY_MS,
    jitter = DEFAULT_JITTER,
    random = Math.random,
  } = options;
  const nominal = Math.min(maxDelayMs, initialDelayMs * multiplier ** (retry - 1));
  return Math.round(nominal * (1 + jitter * (2 * random() - 1)));
}

function validate(options: RetryOptions): void {
  const fail = (name: string, rule: string, value: unknown): never => {
    throw new RangeError(`Cannot retry as '${name}' ${rule}: current value is ${String(value)}`);
  };
  const { maxAttempts, initialDelayMs, multiplier, maxDelayMs, jitter } = options;
  if (maxAttempts !== undefined && (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)) {
    fail('maxAttempts', 'must be a positive integer', maxAttempts);
  }
  if (initialDelayMs !== undefined && !(initialDelayMs >= 0))
    fail('initialDelayMs', 'must be >= 0', initialDelayMs);
  if (multiplier !== undefined && !(multiplier >= 1)) fail('multiplier', 'must be >= 1', multiplier);
  if (maxDelayMs !== undefined && !(maxDelayMs >= 0)) fail('maxDelayMs', 'must be >= 0', maxDelayMs);
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1)) fail('jitter', 'must be from 0 to 1', jitter);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, an error is not retryable, the attempts are spent, or `signal`
 * aborts. Between attempts it waits {@link backoffDelayMs}. The last error is rethrown as is.
 *
 * @example
 * ```ts
 * const codes = await retryWithBackoff((n) => client.generateWindow(request), {
 *   signal, isRetryable: (e) => e instanceof TritonError && e.code === 14,
 * });
 * ```
 *
 * @throws {RangeError} when an option is out of range, before the first attempt.
 */
export async function retryWithBackoff<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  validate(options);
  const { maxAttempts = DEFAULT_MAX_ATTEMPTS, signal, isRetryable = () => true, onRetry } = options;
  for (let n = 1; ; n += 1) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (n >= maxAttempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(n, options);
      onRetry?.({ attempt: n, error, delayMs });
      await sleep(delayMs, signal);
    }
  }
}
