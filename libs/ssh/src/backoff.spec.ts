import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, sleep } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from 500 ms up to 15 s, jitter at the middle of its range being none', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelayMs(a, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000, 15000,
    ]);
  });
  it('spreads by ±20%', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(800);
    expect(backoffDelayMs(1, () => 1)).toBe(1200);
  });
});

describe('sleep', () => {
  afterEach(() => vi.useRealTimers());
  it('waits the time given and stops early on abort', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    const controller = new AbortController();
    const aborted = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
  });
});
