import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TritonError } from '../errors/triton-error.js';
import { WindowWatch } from './window-watch.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Advances the clock, then lets the checks that fired timers scheduled with (real) setImmediate run. */
async function tick(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await new Promise((resolve) => setImmediate(resolve));
}

function reason(watch: WindowWatch): { code: string; details: string } | undefined {
  const error = watch.signal.reason as TritonError | undefined;
  return watch.signal.aborted ? { code: error?.codeName ?? '?', details: error?.details ?? '?' } : undefined;
}

const SILENT = {
  code: 'DEADLINE_EXCEEDED',
  details: 'no response within 1000 ms: the server stopped answering (frozen, overloaded or cut off)',
};

describe('WindowWatch', () => {
  it('fails a window whose server goes silent, counting from the latest response', async () => {
    const watch = new WindowWatch({ livenessTimeoutMs: 1000, frames: 500 });
    await tick(900);
    watch.response(3); // waiting, third in line: alive
    await tick(900);
    watch.response(0);
    await tick(999);
    expect(reason(watch)).toBeUndefined();
    await tick(1);
    expect(reason(watch)).toEqual(SILENT);
  });

  it('fails a silent server before its first response too', async () => {
    const watch = new WindowWatch({ livenessTimeoutMs: 1000, frames: 500 });
    await tick(1000);
    expect(reason(watch)).toEqual(SILENT);
  });

  it('counts the generation deadline from the first response that shows the window generating', async () => {
    const watch = new WindowWatch({ livenessTimeoutMs: 1000, generationDeadlineMs: 2500, frames: 500 });
    for (let i = 0; i < 10; i++) {
      await tick(500);
      watch.response(1); // five seconds in the queue: not counted
    }
    watch.response(0);
    for (let i = 0; i < 4; i++) {
      await tick(500);
      watch.response(0);
    }
    expect(reason(watch)).toBeUndefined();
    await tick(500);
    expect(reason(watch)).toEqual({
      code: 'DEADLINE_EXCEEDED',
      details: 'window of 500 frames not finished 2500 ms after it started generating',
    });
  });

  it('starts the generation deadline at the first response of a server older than contract v1.2', async () => {
    const watch = new WindowWatch({ generationDeadlineMs: 2000, frames: 50 });
    await tick(60_000); // no liveness watched: silence means nothing
    watch.response(undefined);
    await tick(1999);
    expect(reason(watch)).toBeUndefined();
    await tick(1);
    expect(reason(watch)?.details).toBe(
      'window of 50 frames not finished 2000 ms after it started generating',
    );
  });

  it('passes the caller abort on, and watches nothing once closed', async () => {
    const caller = new AbortController();
    const watch = new WindowWatch({ livenessTimeoutMs: 1000, frames: 5, signal: caller.signal });
    caller.abort(new Error('stop'));
    expect(watch.signal.reason).toEqual(new Error('stop'));
    const closed = new WindowWatch({ livenessTimeoutMs: 1000, frames: 5 });
    closed.close();
    await tick(5000);
    expect(closed.signal.aborted).toBe(false);
  });
});
