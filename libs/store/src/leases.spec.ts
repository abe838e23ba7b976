import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeaseOwner } from './lease.js';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { openStore } from './open-store.js';
import { motoServerPath, startMoto } from './testing/start-moto.js';
import { startS3rver } from './s3rver/start-s3rver.js';

const owner = (runId: string, pid = process.pid): LeaseOwner => ({ runId, host: hostname(), pid });
const A = owner('run-a');
const B = owner('run-b');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 1;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const moto = await motoServerPath();
if (!moto.present && process.env['CI']) throw new Error(`moto's S3 server is missing in CI: ${moto.path}`);

interface Backend {
  readonly name: string;
  readonly mode: 'exclusive' | 'advisory';
  open(): Promise<{ store: ObjectStore; close(): Promise<void> }>;
}
const backends: Backend[] = [
  {
    name: 'a local folder (exclusive lock files)',
    mode: 'exclusive',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'musicgen-leases-'));
      return {
        store: createLocalStore({ directory: dir }),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "moto's S3 (honours If-None-Match and If-Match)",
    mode: 'exclusive',
    async open() {
      const server = await startMoto({ buckets: ['leases'] });
      return {
        store: await openStore('s3://leases/run', { s3Client: server.client }),
        close: () => server.close(),
      };
    },
  },
  {
    name: 's3rver (ignores conditional writes: advisory leases)',
    mode: 'advisory',
    async open() {
      const server = await startS3rver({ buckets: ['leases'] });
      return {
        store: await openStore('s3://leases/run', { s3Client: server.client }),
        close: () => server.close(),
      };
    },
  },
];

describe.each(backends)('job leases on $name', (backend) => {
  let store: ObjectStore;
  let close: () => Promise<void>;
  const skip = backend.name.startsWith('moto') && !moto.present;
  beforeAll(async () => {
    if (skip) return;
    ({ store, close } = await backend.open());
  });
  afterAll(async () => close?.());

  it.skipIf(skip)(`says the store's leases are ${backend.mode}`, async () => {
    expect(await store.leases.mode()).toBe(backend.mode);
  });

  it.skipIf(skip)(
    'gives a free lease, refuses it to another live run naming the holder, and frees it on release',
    async () => {
      const before = Date.now();
      const first = await store.leases.acquire('song_1a2b3c4d.wav', { owner: A, ttlMs: 60_000 });
      expect(first.acquired).toBe(true);
      const second = await store.leases.acquire('song_1a2b3c4d.wav', { owner: B, ttlMs: 60_000 });
      expect(second).toEqual({ acquired: false, holder: { ...A, expiresAt: expect.stringMatching(ISO) } });
      const expires = Date.parse(second.acquired ? '' : second.holder.expiresAt);
      expect(expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(await store.leases.holder('song_1a2b3c4d.wav', B.runId)).toEqual(
        second.acquired ? undefined : second.holder,
      );
      expect(await store.leases.holder('song_1a2b3c4d.wav', A.runId)).toBeUndefined();
      if (first.acquired) await first.lease.release();
      expect(await store.leases.holder('song_1a2b3c4d.wav', B.runId)).toBeUndefined();
      const third = await store.leases.acquire('song_1a2b3c4d.wav', { owner: B, ttlMs: 60_000 });
      expect(third.acquired).toBe(true);
      if (third.acquired) await third.lease.release();
    },
  );

  it.skipIf(skip)(
    'takes over an expired lease; the old holder learns it lost it when it renews',
    async () => {
      const first = await store.leases.acquire('sub/expired.wav', { owner: A, ttlMs: 1 });
      await pause(20);
      const second = await store.leases.acquire('sub/expired.wav', { owner: B, ttlMs: 60_000 });
      expect([first.acquired, second.acquired]).toEqual([true, true]);
      if (!first.acquired || !second.acquired) return;
      expect(await first.lease.renew()).toBe(false);
      expect(await second.lease.renew()).toBe(true);
      expect(await store.leases.holder('sub/expired.wav', A.runId)).toEqual({
        ...B,
        expiresAt: expect.stringMatching(ISO),
      });
      await first.lease.release(); // not its lease any more: changes nothing
      expect(await store.leases.holder('sub/expired.wav', A.runId)).toEqual({
        ...B,
        expiresAt: expect.stringMatching(ISO),
      });
      await second.lease.release();
    },
  );

  it.skipIf(skip)(
    'takes over at once the lease of a dead process on this host (a run killed with kill -9)',
    async () => {
      const killed = owner('run-killed', deadPid());
      const first = await store.leases.acquire('killed.wav', { owner: killed, ttlMs: 600_000 });
      const second = await store.leases.acquire('killed.wav', { owner: B, ttlMs: 60_000 });
      expect([first.acquired, second.acquired]).toEqual([true, true]);
      if (second.acquired) await second.lease.release();
    },
  );
});

// Advisory leases (a store that ignores conditional writes) cannot promise this one.
describe.each(backends.filter((b) => b.mode === 'exclusive'))('exclusive leases on $name', (backend) => {
  let store: ObjectStore;
  let close: () => Promise<void>;
  const skip = backend.name.startsWith('moto') && !moto.present;
  beforeAll(async () => {
    if (skip) return;
    ({ store, close } = await backend.open());
  });
  afterAll(async () => close?.());

  it.skipIf(skip)('gives a lease to exactly one of many runs asking at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.leases.acquire('contended.wav', { owner: owner(`run-${i}`), ttlMs: 60_000 }),
      ),
    );
    expect(results.filter((r) => r.acquired).length).toBe(1);
  });
});
