import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudioMetadata } from './audio-metadata.js';
import { isJobDone } from './is-job-done.js';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { createS3Store } from './s3-store.js';
import { startS3rver, type RunningS3rver } from './testing/start-s3rver.js';

const HASH_A = 'aa'.repeat(32);
const HASH_B = 'bb'.repeat(32);
const PCM16_PEAK = { format: 'pcm16', normalize: 'peak' };
const PCM24_PEAK = { format: 'pcm24', normalize: 'peak' };
const audio = { prompt: 'calm piano', durationSeconds: 8, model: 'facebook/musicgen-medium', seed: 1n };

describe.each(['local', 's3'])('isJobDone on the %s store', (kind) => {
  let s3: RunningS3rver | undefined;
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-done-'));
    if (kind === 's3') {
      s3 = await startS3rver({ buckets: ['done-bucket'] });
      store = createS3Store({ client: s3.client, bucket: 'done-bucket' });
    } else {
      store = createLocalStore({ directory: dir });
    }
    await store.put('calm_aaaaaaaa.wav', Buffer.from('RIFF'), {
      metadata: encodeAudioMetadata({ ...audio, identityHash: HASH_A }),
    });
    await store.put('plain.wav', Buffer.from('RIFF'));
    await store.put('old_aaaaaaaa.wav', Buffer.from('RIFF'), {
      metadata: encodeAudioMetadata({ ...audio, identityHash: HASH_A }),
    });
    await store.put('calm_24bit.wav', Buffer.from('RIFF'), {
      metadata: encodeAudioMetadata({ ...audio, identityHash: HASH_A, rendering: PCM24_PEAK }),
    });
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['calm_aaaaaaaa.wav', HASH_A, { done: true }],
    ['calm_aaaaaaaa.wav', HASH_B, { done: false, reason: 'conflict', storedIdentityHash: HASH_A }],
    ['missing.wav', HASH_A, { done: false, reason: 'missing' }],
    ['plain.wav', HASH_A, { done: false, reason: 'no-identity' }],
  ])('%s expecting %s', async (key, hash, expected) => {
    expect(await isJobDone(store, key, hash)).toEqual(expected);
  });

  it.each([
    ['calm_24bit.wav', PCM24_PEAK, undefined, { done: true }],
    [
      'calm_24bit.wav',
      PCM16_PEAK,
      undefined,
      { done: false, reason: 'rendering', storedRendering: PCM24_PEAK },
    ],
    [
      'calm_24bit.wav',
      { format: 'pcm24', normalize: 'none' },
      PCM16_PEAK,
      { done: false, reason: 'rendering', storedRendering: PCM24_PEAK },
    ],
    // written before renderings were recorded: the assumed rendering decides, or nothing when none is assumed
    ['old_aaaaaaaa.wav', PCM16_PEAK, PCM16_PEAK, { done: true }],
    [
      'old_aaaaaaaa.wav',
      PCM24_PEAK,
      PCM16_PEAK,
      { done: false, reason: 'rendering', storedRendering: PCM16_PEAK },
    ],
    ['old_aaaaaaaa.wav', PCM24_PEAK, undefined, { done: true }],
  ])(
    '%s asked for %j (assuming %j when unrecorded)',
    async (key, rendering, unrecordedRendering, expected) => {
      const options = { rendering, ...(unrecordedRendering ? { unrecordedRendering } : {}) };
      expect(await isJobDone(store, key, HASH_A, options)).toEqual(expected);
    },
  );

  it('refuses an empty expected hash', async () => {
    await expect(isJobDone(store, 'calm_aaaaaaaa.wav', '')).rejects.toThrow(
      new RangeError('Cannot check whether a job is done: the expected identity hash is empty: got ""'),
    );
  });
});
