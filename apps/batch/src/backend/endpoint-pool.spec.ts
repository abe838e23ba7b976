import type { Codes } from '@musicgen/contract';
import { describe, expect, it } from 'vitest';
import { TritonError } from '@musicgen/triton-client';
import { isRetryableError } from '../pipeline/retryable-error.js';
import { EndpointPool, type PoolMember } from './endpoint-pool.js';

function member(address: string, behaviour: { fail?: boolean; capacity?: number } = {}) {
  const calls: number[] = [];
  const pending: (() => void)[] = [];
  const m: PoolMember = {
    address,
    ...(behaviour.capacity ? { capacity: behaviour.capacity } : {}),
    generateWindow: (request) =>
      new Promise<Codes>((resolve, reject) => {
        calls.push(request.frames);
        pending.push(() =>
          behaviour.fail
            ? reject(new Error(`${address} down`))
            : resolve({ frames: 0, data: new Int32Array() }),
        );
      }),
    decode: async () => new Float32Array(),
  };
  return { m, calls, settleAll: () => pending.splice(0).forEach((f) => f()) };
}

describe('EndpointPool', () => {
  it('sends each call to the endpoint with the least outstanding work', async () => {
    const a = member('a:1');
    const b = member('b:1');
    const pool = new EndpointPool([a.m, b.m]);
    const calls = [1, 2, 3].map((frames) => pool.generateWindow({ text: 'x', frames }));
    expect([a.calls, b.calls]).toEqual([[1, 3], [2]]);
    a.settleAll();
    b.settleAll();
    await Promise.all(calls);
  });

  it('fills endpoints of different sizes in proportion to their slots, and counts decodes apart', async () => {
    const big = member('big:1', { capacity: 4 });
    const small = member('small:1', { capacity: 2 });
    const pool = new EndpointPool([big.m, small.m]);
    const calls = [1, 2, 3, 4, 5, 6].map((frames) => pool.generateWindow({ text: 'x', frames }));
    expect([big.calls, small.calls]).toEqual([
      [1, 3, 4, 6],
      [2, 5],
    ]);
    expect(pool.load().map(({ address, slots, windows }) => [address, windows, slots])).toEqual([
      ['big:1', 4, 4],
      ['small:1', 2, 2],
    ]);
    big.settleAll();
    small.settleAll();
    await Promise.all(calls);
  });

  it('reports peak and time-weighted mean windows in flight', async () => {
    let t = 0;
    const a = member('a:1', { capacity: 2 });
    const pool = new EndpointPool([a.m], () => t);
    const first = pool.generateWindow({ text: 'x', frames: 1 });
    t = 1000;
    const second = pool.generateWindow({ text: 'x', frames: 2 });
    t = 3000;
    a.settleAll();
    await Promise.all([first, second]);
    t = 4000;
    expect(pool.load()).toEqual([
      { address: 'a:1', slots: 2, windows: 0, peakWindows: 2, meanWindows: 1.25 },
    ]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new EndpointPool([member('a:1', { capacity: 0.5 }).m])).toThrow(
      new RangeError('Cannot add a:1 to the endpoint pool as its capacity must be an integer >= 1: got 0.5'),
    );
  });

  it('passes over an endpoint that just failed, and takes it back after the cooldown', async () => {
    let t = 0;
    const a = member('a:1', { fail: true });
    const b = member('b:1');
    const pool = new EndpointPool([a.m, b.m], () => t);
    const first = pool.generateWindow({ text: 'x', frames: 1 });
    a.settleAll();
    await expect(first).rejects.toThrow('a:1 down');
    expect([pool.pick().address]).toEqual(['b:1']);
    t = 5_000;
    expect(pool.pick().address).toBe('a:1');
  });

  it('passes over an endpoint that keeps failing for longer each time, and forgets once it answers', async () => {
    let t = 0;
    const a = member('a:1', { fail: true });
    const b = member('b:1');
    const pool = new EndpointPool([a.m, b.m], () => t);
    const fail = async () => {
      const call = pool.generateWindow({ text: 'x', frames: 1 });
      a.settleAll();
      await expect(call).rejects.toThrow('a:1 down');
    };
    const cooldowns: number[] = [];
    for (let i = 0; i < 6; i++) {
      await fail(); // a:1 gets the window: b:1 is busier or a:1's cooldown is over
      const failedAt = t;
      const busy = pool.generateWindow({ text: 'busy', frames: 2 }); // keeps b:1 busier than a:1
      while (pool.pick().address === 'b:1') t += 1_000;
      cooldowns.push(t - failedAt);
      b.settleAll();
      await busy;
    }
    expect(cooldowns).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    const failing = a.m.generateWindow;
    a.m.generateWindow = async () => ({ frames: 0, data: new Int32Array() });
    await pool.generateWindow({ text: 'x', frames: 1 }); // a:1 answers: its failures are forgotten
    a.m.generateWindow = failing;
    await fail();
    const failedAt = t;
    while (pool.pick().address === 'b:1') t += 1_000;
    expect(t - failedAt).toBe(5_000);
  });

  it('takes endpoints that join, and lets a retired one finish its windows before it counts as gone', async () => {
    const a = member('a:1');
    const b = member('b:1');
    const pool = new EndpointPool([a.m]);
    const first = pool.generateWindow({ text: 'x', frames: 1 });
    pool.add(b.m);
    expect(pool.endpoints).toEqual(['a:1', 'b:1']);
    const second = pool.generateWindow({ text: 'x', frames: 2 }); // b:1 is emptier
    expect([a.calls, b.calls]).toEqual([[1], [2]]);
    let gone = false;
    const retired = pool.retire('a:1').then(() => (gone = true));
    expect(pool.endpoints).toEqual(['b:1']);
    const third = pool.generateWindow({ text: 'x', frames: 3 }); // only b:1 takes new work now
    expect([a.calls, b.calls]).toEqual([[1], [2, 3]]);
    await Promise.resolve();
    expect(gone).toBe(false); // a:1 still has a window in flight
    a.settleAll();
    await retired;
    expect(gone).toBe(true);
    b.settleAll();
    await Promise.all([first, second, third]);
    expect(pool.load().map((l) => [l.address, l.peakWindows])).toEqual([
      ['a:1', 1],
      ['b:1', 2],
    ]);
    expect(() => pool.add(b.m)).toThrow(
      new RangeError('Cannot add b:1 to the endpoint pool as it is in it already'),
    );
    pool.add(a.m); // an address that came back joins again
    expect(pool.endpoints).toEqual(['b:1', 'a:1']);
  });

  it('fails a call with a retryable UNAVAILABLE while no endpoint is left', async () => {
    const a = member('a:1');
    const pool = new EndpointPool([a.m]);
    await pool.retire('a:1');
    const error = await pool.generateWindow({ text: 'x', frames: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TritonError);
    expect([(error as TritonError).codeName, (error as TritonError).details]).toEqual([
      'UNAVAILABLE',
      'no Triton endpoint is available (the endpoint name resolves to no address now)',
    ]);
    expect(isRetryableError(error)).toBe(true);
  });

  it('needs at least one endpoint', () => {
    expect(() => new EndpointPool([])).toThrow(
      new RangeError('Cannot create an endpoint pool: give at least one endpoint: got 0'),
    );
  });
});
