import { describe, expect, it } from 'vitest';
import { AudioMemoryBudget } from './audio-memory-budget.js';

describe('AudioMemoryBudget', () => {
  it('lets jobs in while their seconds fit, then first come, first served', async () => {
    const budget = new AudioMemoryBudget(60);
    const order: string[] = [];
    const a = await budget.acquire(30);
    const b = await budget.acquire(20);
    const long = budget.acquire(45).then((r) => (order.push('long'), r));
    const short = budget.acquire(5).then((r) => (order.push('short'), r));
    await Promise.resolve();
    expect([budget.usedSeconds, order]).toEqual([50, []]);
    a();
    a(); // a second call is ignored
    await Promise.resolve();
    expect([budget.usedSeconds, order]).toEqual([20, []]); // 20 + 45 does not fit, and 'short' queues behind 'long'
    b();
    const releaseLong = await long;
    const releaseShort = await short;
    expect([budget.usedSeconds, order]).toEqual([50, ['long', 'short']]);
    releaseLong();
    releaseShort();
    expect(budget.usedSeconds).toBe(0);
  });

  it('runs a job longer than the budget alone', async () => {
    const budget = new AudioMemoryBudget(60);
    const release = await budget.acquire(600);
    expect(budget.usedSeconds).toBe(60);
    release();
    expect(budget.usedSeconds).toBe(0);
  });

  it('drops an aborted waiter and lets the next one in', async () => {
    const budget = new AudioMemoryBudget(10);
    const held = await budget.acquire(8);
    const controller = new AbortController();
    const big = budget.acquire(5, controller.signal);
    const small = budget.acquire(2);
    controller.abort(new Error('interrupted'));
    await expect(big).rejects.toThrow('interrupted');
    (await small)();
    held();
    expect(budget.usedSeconds).toBe(0);
  });

  it('needs a positive capacity', () => {
    expect(() => new AudioMemoryBudget(0)).toThrow(
      new RangeError('Cannot create an audio memory budget: seconds must be a positive number: got 0'),
    );
  });
});
