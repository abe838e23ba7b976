import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, retryWithBackoff } from './retry-with-backoff.js';

describe('backoffDelayMs', () => {
  it.each([
    [1, 0.5, 100],
    [2, 0.5, 200],
    [3, 0.5, 400],
    [5, 0.5, 1000],
    [9, 0.5, 1000],
    [1, 0, 80],
    [1, 1, 120],
  ])('retry %i with random %f waits %i ms', (retry, r, expected) => {
    const options = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0.2, random: () => r };
    expect(backoffDelayMs(retry, options)).toBe(expected);
  });

  it('defaults to 250 ms doubling up to 8 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, { random: () => 0.5 }));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000]);
  });
});

describe('retryWithBackoff', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries with growing delays until the attempt succeeds', async () => {
    const seen: { attempt: number; delayMs: number; message: string }[] = [];
    const result = retryWithBackoff(
      async (n) => {
        if (n < 3) throw new Error(`fail ${n}`);
        return `ok after ${n}`;
      },
      {
        initialDelayMs: 100,
        jitter: 0,
        onRetry: ({ attempt, delayMs, error }) =>
          seen.push({ attempt, delayMs, message: (error as Error).message }),
      },
    );
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(200);
    await expect(result).resolves.toBe('ok after 3');
    expect(seen).toEqual([
      { attempt: 1, delayMs: 100, message: 'fail 1' },
      { attempt: 2, delayMs: 200, message: 'fail 2' },
    ]);
  });

  it('does not resolve before the delay has passed', async () => {
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('once');
        return attempts;
      },
      { initialDelayMs: 1000, jitter: 0 },
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe(2);
  });

  it('rethrows the last error when the attempts are spent', async () => {
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts += 1;
        throw new Error(`attempt ${attempts} failed`);
      },
      { maxAttempts: 3, initialDelayMs: 10, jitter: 0 },
    );
    const settled = expect(result).rejects.toThrow('attempt 3 failed');
    await vi.advanceTimersByTimeAsync(30);
    await settled;
    expect(attempts).toBe(3);
  });

  it('stops at once on an error that is not retryable', async () => {
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts += 1;
        throw new TypeError('bad request');
      },
      { isRetryable: (e) => !(e instanceof TypeError) },
    );
    await expect(result).rejects.toThrow('bad request');
    expect(attempts).toBe(1);
  });

  it('rejects with the abort reason while waiting, without another attempt', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts += 1;
        throw new Error('unavailable');
      },
      { signal: controller.signal, initialDelayMs: 1000, jitter: 0 },
    );
    const settled = expect(result).rejects.toThrow('interrupted');
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('interrupted'));
    await settled;
    expect(attempts).toBe(1);
  });

  it('does not start when the signal is already aborted', async () => {
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts += 1;
      },
      { signal: AbortSignal.abort(new Error('already stopped')) },
    );
    await expect(result).rejects.toThrow('already stopped');
    expect(attempts).toBe(0);
  });

  it.each([
    [{ maxAttempts: 0 }, "Cannot retry as 'maxAttempts' must be a positive integer: current value is 0"],
    [{ multiplier: 0.5 }, "Cannot retry as 'multiplier' must be >= 1: current value is 0.5"],
    [{ jitter: 2 }, "Cannot retry as 'jitter' must be from 0 to 1: current value is 2"],
    [{ initialDelayMs: -1 }, "Cannot retry as 'initialDelayMs' must be >= 0: current value is -1"],
  ])('rejects options %j', async (options, message) => {
    await expect(retryWithBackoff(async () => 1, options)).rejects.toThrow(new RangeError(message));
  });
});
