import type { Codes } from '@musicgen/contract';
import { describe, expect, it } from 'vitest';
import { EndpointPool, type PoolMember } from './endpoint-pool.js';

function member(address: string, behaviour: { fail?: boolean } = {}) {
  const calls: number[] = [];
  const pending: (() => void)[] = [];
  const m: PoolMember = {
    address,
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

  it('needs at least one endpoint', () => {
    expect(() => new EndpointPool([])).toThrow(
      new RangeError('Cannot create an endpoint pool: give at least one endpoint: got 0'),
    );
  });
});
