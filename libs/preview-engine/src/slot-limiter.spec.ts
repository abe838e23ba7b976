import { describe, expect, it } from 'vitest';
import { SlotLimiter } from './slot-limiter.js';

describe('SlotLimiter', () => {
  it('runs up to its slots at once and hands freed slots to waiters in order', async () => {
    const limiter = new SlotLimiter(2, 4);
    const order: string[] = [];
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const third = limiter.acquire().then((release) => (order.push('third'), release));
    const fourth = limiter.acquire().then((release) => (order.push('fourth'), release));
    await Promise.resolve();
    expect([limiter.inUse, order]).toEqual([2, []]);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    expect([limiter.inUse, order]).toEqual([0, ['third', 'fourth']]);
  });

  it('tells each waiting request its place in line, and 0 once it holds a slot', async () => {
    const limiter = new SlotLimiter(1, 4);
    const first = limiter.take();
    const second = limiter.take();
    const third = limiter.take();
    expect([first.position(), second.position(), third.position()]).toEqual([0, 1, 2]);
    (await first.granted)();
    await second.granted;
    expect([second.position(), third.position()]).toEqual([0, 1]);
  });

  it('refuses with a tagged UNAVAILABLE when the queue is full', async () => {
    const limiter = new SlotLimiter(1, 1);
    await limiter.acquire();
    void limiter.acquire();
    await expect(limiter.acquire()).rejects.toMatchObject({
      code: 14,
      wireMessage:
        '[UNAVAILABLE] Cannot accept request as all 1 slots are busy and 1 requests are waiting: try again later',
    });
  });
});
