import { describe, expect, it } from 'vitest';
import { WindowScheduler } from './window-scheduler.js';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('WindowScheduler', () => {
  it('grants up to capacity at once and queues the rest by priority, then arrival', async () => {
    const scheduler = new WindowScheduler({ capacity: 2 });
    const order: string[] = [];
    const a = await scheduler.acquire(5);
    const b = await scheduler.acquire(5);
    const p9 = scheduler.acquire(9).then((r) => (order.push('p9'), r));
    const p1 = scheduler.acquire(1).then((r) => (order.push('p1 first'), r));
    const p1b = scheduler.acquire(1).then((r) => (order.push('p1 second'), r));
    expect({
      inFlight: scheduler.inFlight,
      waiting: scheduler.waiting,
      wantsWork: scheduler.wantsWork,
    }).toEqual({
      inFlight: 2,
      waiting: 3,
      wantsWork: false,
    });
    a();
    a(); // a second call is ignored
    b();
    const r1 = await p1;
    const r1b = await p1b;
    expect(order).toEqual(['p1 first', 'p1 second']);
    expect(scheduler.waiting).toBe(1);
    r1();
    const r9 = await p9;
    expect(order).toEqual(['p1 first', 'p1 second', 'p9']);
    r9();
    r1b();
    expect(scheduler.inFlight).toBe(0);
  });

  it('removes an aborted waiter from the queue and rejects with the reason', async () => {
    const scheduler = new WindowScheduler({ capacity: 1 });
    const release = await scheduler.acquire(0);
    const controller = new AbortController();
    const pending = scheduler.acquire(0, controller.signal);
    controller.abort(new Error('interrupted'));
    await expect(pending).rejects.toThrow('interrupted');
    expect(scheduler.waiting).toBe(0);
    release();
    expect(scheduler.inFlight).toBe(0);
  });

  it('tells the job runner when to start another job', async () => {
    const scheduler = new WindowScheduler({ capacity: 1 });
    const release = await scheduler.acquire(0);
    let woke = false;
    const wants = scheduler.whenWantsWork().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    release();
    await wants;
    expect(woke).toBe(true);
  });

  it('records time per in-flight level and the gaps below capacity before draining', async () => {
    const clock = fakeClock();
    const scheduler = new WindowScheduler({ capacity: 2, now: clock.now });
    const a = await scheduler.acquire(0);
    clock.advance(10); // 10 ms at level 1 (ramp-up)
    const b = await scheduler.acquire(0);
    clock.advance(100); // 100 ms at level 2
    a();
    clock.advance(5); // gap of 5 ms at level 1
    const c = await scheduler.acquire(0);
    clock.advance(50);
    scheduler.markDraining();
    b();
    clock.advance(20);
    c();
    expect(scheduler.stats()).toEqual({
      capacity: 2,
      windowsStarted: 3,
      peakInFlight: 2,
      msAtLevel: [0, 15, 150],
      drainMsAtLevel: [0, 20, 0],
      gaps: { count: 1, totalMs: 5, longestMs: 5 },
    });
  });

  it('follows a capacity that grows (waiters granted at once) and shrinks (no grant until below it)', async () => {
    const scheduler = new WindowScheduler({ capacity: 1 });
    const a = await scheduler.acquire(1);
    const granted: string[] = [];
    const b = scheduler.acquire(1).then((r) => (granted.push('b'), r));
    const c = scheduler.acquire(1).then((r) => (granted.push('c'), r));
    scheduler.setCapacity(3);
    const [rb, rc] = await Promise.all([b, c]);
    expect([granted, scheduler.inFlight, scheduler.capacity]).toEqual([['b', 'c'], 3, 3]);
    scheduler.setCapacity(1);
    const d = scheduler.acquire(1).then((r) => (granted.push('d'), r));
    a();
    rb();
    await Promise.resolve();
    expect([granted, scheduler.inFlight]).toEqual([['b', 'c'], 1]); // still at the new capacity
    rc();
    (await d)();
    expect([granted, scheduler.inFlight, scheduler.stats().capacity]).toEqual([['b', 'c', 'd'], 0, 1]);
    expect(() => scheduler.setCapacity(0)).toThrow(
      new RangeError('Cannot resize window scheduler: capacity must be a positive integer: got 0'),
    );
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new WindowScheduler({ capacity: 0 })).toThrow(
      new RangeError('Cannot create window scheduler: capacity must be a positive integer: got 0'),
    );
  });
});

describe('WindowScheduler: pausing while the store fails', () => {
  it('starts no window while paused, lets those in flight finish, and grants in order on resume', async () => {
    const scheduler = new WindowScheduler({ capacity: 2 });
    const first = await scheduler.acquire(0);
    scheduler.pause();
    expect([scheduler.paused, scheduler.wantsWork]).toEqual([true, false]);
    const granted: number[] = [];
    const second = scheduler.acquire(2).then((release) => (granted.push(2), release));
    const third = scheduler.acquire(1).then((release) => (granted.push(1), release));
    let wanted = false;
    const wants = scheduler.whenWantsWork().then(() => (wanted = true));
    first();
    await new Promise((r) => setTimeout(r, 10));
    expect([granted, scheduler.inFlight, wanted]).toEqual([[], 0, false]);
    scheduler.resume();
    (await third)();
    (await second)();
    await wants;
    expect([granted, scheduler.inFlight, wanted]).toEqual([[1, 2], 0, true]);
  });

  it('refuses waiting and later requests with the reason once halted', async () => {
    const scheduler = new WindowScheduler({ capacity: 1 });
    scheduler.pause();
    const waiting = scheduler.acquire(0);
    const idle = scheduler.whenWantsWork();
    const reason = new Error('the store failed for 15m00s');
    scheduler.halt(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(idle).rejects.toBe(reason);
    await expect(scheduler.acquire(1)).rejects.toBe(reason);
    await expect(scheduler.whenWantsWork()).rejects.toBe(reason);
  });
});
