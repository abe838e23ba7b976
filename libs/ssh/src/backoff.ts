/** First reconnect delay. */
export const BACKOFF_INITIAL_MS = 500;
/** Each further delay is the previous one times this. */
export const BACKOFF_MULTIPLIER = 2;
/** Delays stop growing here. */
export const BACKOFF_MAX_MS = 15_000;
/** Each delay is spread by up to this fraction either way, so many clients do not retry in step. */
export const BACKOFF_JITTER = 0.2;

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential from
 * {@link BACKOFF_INITIAL_MS}, capped at {@link BACKOFF_MAX_MS}, with ±{@link BACKOFF_JITTER} jitter.
 *
 * @example
 * ```ts
 * backoffDelayMs(0, () => 0.5); // 500
 * backoffDelayMs(10, () => 0.5); // 15000
 * ```
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * BACKOFF_MULTIPLIER ** Math.max(0, attempt));
  return Math.round(base * (1 + BACKOFF_JITTER * (2 * random() - 1)));
}

/**
 * Waits `ms` milliseconds; rejects with the signal's reason when it is aborted first.
 *
 * @example
 * ```ts
 * await sleep(backoffDelayMs(attempt), controller.signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
