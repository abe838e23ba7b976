import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BACKOFF_INITIAL_DELAY_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_DELAY_MS,
  BACKOFF_MULTIPLIER,
  backoffDelayMs,
  retryWithBackoff,
  sleep,
  validateBackoffOptions,
} from './backoff.js';

describe('backoffDelayMs', () => {
  it('uses the named defaults', () => {
    expect([BACKOFF_INITIAL_DELAY_MS, BACKOFF_MULTIPLIER, BACKOFF_MAX_DELAY_MS, BACKOFF_JITTER]).toEqual([
      100, 2, 5000, 0.2,
    ]);
  });

  it.each([
    { retry: 0, random: 0.5, delay: 100 },
    { retry: 1, random: 0.5, delay: 200 },
    { retry: 5, random: 0.5, delay: 3200 },
    { retry: 6, random: 0.5, delay: 5000 },
    { retry: 20, random: 0.5, delay: 5000 },
    { retry: 0, random: 0, delay: 80 },
    { retry: 0, random: 0.999999, delay: 120 },
    { retry: 6, random: 0, delay: 4000 },
  ])('retry $retry with random $random waits $delay ms', ({ retry, random, delay }) => {
    expect(backoffDelayMs(retry, { random: () => random })).toBe(delay);
  });

  it('honours custom settings', () => {
    expect(backoffDelayMs(3, { initialDelayMs: 10, multiplier: 3, maxDelayMs: 1000, jitter: 0 })).toBe(270);
  });
});

describe('validateBackoffOptions', () => {
  it.each([
    {
      options: { initialDelayMs: -1 },
      message: "Cannot use backoff options: 'initialDelayMs' must be a finite number >= 0: got -1",
    },
    {
      options: { multiplier: 0.5 },
      message: "Cannot use backoff options: 'multiplier' must be a finite number >= 1: got 0.5",
    },
    {
      options: { maxDelayMs: Infinity },
      message: "Cannot use backoff options: 'maxDelayMs' must be a finite number >= 0: got Infinity",
    },
    {
      options: { jitter: 2 },
      message: "Cannot use backoff options: 'jitter' must be a number from 0 to 1: got 2",
    },
  ])('rejects $options', ({ options, message }) => {
    expect(() => validateBackoffOptions(options)).toThrow(new RangeError(message));
  });
});

describe('sleep and retryWithBackoff with fake time', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleep resolves after the delay and rejects with the abort reason', async () => {
    let done = false;
    const pending = sleep(100).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(done).toBe(true);

    const controller = new AbortController();
    const aborted = sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow(new Error('stop'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries retryable failures with growing delays, then returns the result', async () => {
    const attemptsAt: number[] = [];
    const start = Date.now();
    const result = retryWithBackoff(
      async (index) => {
        attemptsAt.push(Date.now() - start);
        if (index < 3) throw new Error('transient');
        return 'ok';
      },
      { maxAttempts: 5, shouldRetry: () => true, jitter: 0 },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toBe('ok');
    expect(attemptsAt).toEqual([0, 100, 300, 700]);
  });

  it('rethrows the last failure when attempts run out, and at once when not retryable', async () => {
    let calls = 0;
    const exhausted = retryWithBackoff(
      async () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      { maxAttempts: 3, shouldRetry: () => true, jitter: 0 },
    );
    const settled = exhausted.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await settled).toEqual(new Error('failure 3'));

    calls = 0;
    const fatal = retryWithBackoff(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      { maxAttempts: 3, shouldRetry: () => false },
    );
    await expect(fatal).rejects.toThrow(new Error('fatal'));
    expect(calls).toBe(1);
  });

  it('stops waiting between attempts when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const pending = retryWithBackoff(
      async () => {
        calls++;
        throw new Error('transient');
      },
      { maxAttempts: 10, shouldRetry: () => true, jitter: 0, signal: controller.signal },
    );
    const settled = pending.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(150);
    controller.abort();
    expect(await settled).toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(2);
  });

  it('reports each retry before waiting, with the attempt, the error and the delay', async () => {
    const retries: { attempt: number; error: unknown; delayMs: number }[] = [];
    const result = retryWithBackoff(
      async (index) => {
        if (index < 2) throw new Error(`transient ${index}`);
        return index;
      },
      { maxAttempts: 5, shouldRetry: () => true, jitter: 0, onRetry: (info) => retries.push(info) },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toBe(2);
    expect(retries).toEqual([
      { attempt: 1, error: new Error('transient 0'), delayMs: 100 },
      { attempt: 2, error: new Error('transient 1'), delayMs: 200 },
    ]);
  });

  it('does not start an attempt when the signal is already aborted', async () => {
    let calls = 0;
    const reason = new Error('stopped by the user');
    const pending = retryWithBackoff(
      async () => {
        calls++;
        return 1;
      },
      { maxAttempts: 3, shouldRetry: () => true, signal: AbortSignal.abort(reason) },
    );
    await expect(pending).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('rejects a maxAttempts below 1', async () => {
    await expect(
      retryWithBackoff(async () => 1, { maxAttempts: 0, shouldRetry: () => true }),
    ).rejects.toThrow(new RangeError("Cannot retry: 'maxAttempts' must be a positive integer: got 0"));
  });
});
