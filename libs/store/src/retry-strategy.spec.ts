import { describe, expect, it } from 'vitest';
import { createRetryStrategy } from './retry-strategy.js';

describe('createRetryStrategy', () => {
  const serverError = { errorType: 'SERVER_ERROR' as const };

  it('backs off exponentially with full jitter up to maxAttempts', async () => {
    const strategy = createRetryStrategy(
      { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 350 },
      () => 0.999999,
    );
    let token = await strategy.acquireInitialRetryToken('');
    const seen: [number, number][] = [];
    for (let i = 0; i < 4; i += 1) {
      token = await strategy.refreshRetryTokenForRetry(token, serverError);
      seen.push([token.getRetryCount(), token.getRetryDelay()]);
    }
    expect(seen).toEqual([
      [1, 99],
      [2, 199],
      [3, 349],
      [4, 349],
    ]);
    await expect(strategy.refreshRetryTokenForRetry(token, serverError)).rejects.toThrow(
      'Cannot retry: SERVER_ERROR after 5 attempt(s)',
    );
  });

  it('uses the throttling base for SlowDown and friends', async () => {
    const strategy = createRetryStrategy({ baseDelayMs: 100, throttlingBaseDelayMs: 1000 }, () => 0.5);
    const token = await strategy.acquireInitialRetryToken('');
    const throttled = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });
    const transient = await strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
    expect([throttled.getRetryDelay(), transient.getRetryDelay()]).toEqual([500, 50]);
  });

  it('waits at least until Retry-After, capped at maxDelayMs', async () => {
    const strategy = createRetryStrategy(
      { maxDelayMs: 5000 },
      () => 0,
      () => 1_000_000,
    );
    const token = await strategy.acquireInitialRetryToken('');
    const soon = await strategy.refreshRetryTokenForRetry(token, {
      ...serverError,
      retryAfterHint: new Date(1_002_000),
    });
    const late = await strategy.refreshRetryTokenForRetry(token, {
      ...serverError,
      retryAfterHint: new Date(1_900_000),
    });
    expect([soon.getRetryDelay(), late.getRetryDelay()]).toEqual([2000, 5000]);
  });

  it('never retries client errors', async () => {
    const strategy = createRetryStrategy();
    const token = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'CLIENT_ERROR' })).rejects.toThrow(
      'Cannot retry: CLIENT_ERROR after 1 attempt(s)',
    );
  });

  it('has documented defaults', () => {
    expect(createRetryStrategy().maxAttempts).toBe(4);
  });

  it.each([
    [
      { maxAttempts: 0 },
      `Cannot configure retries: 'maxAttempts' must be an integer >= 1: current value is 0`,
    ],
    [
      { baseDelayMs: -1 },
      `Cannot configure retries: 'baseDelayMs' must be an integer >= 0: current value is -1`,
    ],
    [
      { maxDelayMs: 1.5 },
      `Cannot configure retries: 'maxDelayMs' must be an integer >= 0: current value is 1.5`,
    ],
  ])('rejects %j', (options, message) => {
    expect(() => createRetryStrategy(options)).toThrow(new RangeError(message));
  });
});
