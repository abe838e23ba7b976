import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3Store } from './s3-store.js';
import { startS3rver, type RunningS3rver } from './s3rver/start-s3rver.js';

const BODY = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

let s3: RunningS3rver;
let dir: string;
const stores: Record<string, ObjectStore> = {};

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ['range-bucket'] });
  dir = await mkdtemp(join(tmpdir(), 'musicgen-range-'));
  stores['local'] = createLocalStore({ directory: dir });
  stores['s3'] = createS3Store({ client: s3.client, bucket: 'range-bucket', prefix: 'p/' });
  for (const store of Object.values(stores)) {
    await store.put('a.wav', BODY, { metadata: { 'musicgen-seed': '7' } });
  }
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(['local', 's3'])('get with a byte range (%s store)', (name) => {
  const store = () => stores[name] as ObjectStore;

  it.each([
    ['the first bytes', { start: 0, end: 9 }, { start: 0, end: 9 }],
    ['the middle', { start: 500, end: 599 }, { start: 500, end: 599 }],
    ['the last byte', { start: 999, end: 999 }, { start: 999, end: 999 }],
    ['an end past the last byte, cut to it', { start: 990, end: 5000 }, { start: 990, end: 999 }],
  ])('reads %s', async (_what, range, sent) => {
    const got = await store().get('a.wav', { range });
    const body = Buffer.concat(await got.body.toArray());
    expect({ ...got, body }).toEqual({
      key: 'a.wav',
      bytes: 1000,
      metadata: { 'musicgen-seed': '7' },
      range: sent,
      body: BODY.subarray(sent.start, sent.end + 1),
    });
  });

  it('refuses a range that starts past the last byte', async () => {
    await expect(store().get('a.wav', { range: { start: 1000, end: 1200 } })).rejects.toThrow(
      // S3 answers 416 InvalidRange with the object's size, so both say the same.
      new RangeError('Cannot get "a.wav" from byte 1000 as the object has 1000 bytes'),
    );
  });

  it.each([
    [{ start: 5, end: 4 }, '5-4'],
    [{ start: -1, end: 4 }, '-1-4'],
    [{ start: 0.5, end: 4 }, '0.5-4'],
  ])('refuses %j before any request', async (range, shown) => {
    await expect(store().get('a.wav', { range })).rejects.toThrow(
      new RangeError(
        `Cannot get "a.wav" as a byte range must be integers with 0 <= start <= end: got ${shown}`,
      ),
    );
  });
});
