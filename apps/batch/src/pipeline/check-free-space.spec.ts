import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore, type ObjectStore } from '@musicgen/store';
import type { PromptJob } from '@musicgen/prompts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFreeSpace, expectedJobBytes, formatBytes } from './check-free-space.js';

const job = (key: string, frames: number) => ({ key, frames, identityHash: 'a'.repeat(64) }) as PromptJob;

describe('checkFreeSpace', () => {
  let dir: string;
  let store: ObjectStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-space-'));
    store = createLocalStore({ directory: dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const withFree = (free: number): ObjectStore => ({ ...store, freeBytes: async () => free });

  it('counts the WAV bytes of the jobs not yet stored (all of them with --force)', async () => {
    await store.put('done.wav', Buffer.from('x'), { metadata: { 'musicgen-identity': 'a'.repeat(64) } });
    const jobs = [job('done.wav', 50), job('new.wav', 500)];
    expect([
      expectedJobBytes(job('new.wav', 500), 'pcm16'),
      expectedJobBytes(job('new.wav', 500), 'float32'),
    ]).toEqual([320_000 * 2 + 4096, 320_000 * 4 + 4096]);
    expect(
      await checkFreeSpace({
        store: withFree(8_000),
        jobs,
        force: false,
        format: 'pcm16',
        normalize: 'peak',
      }),
    ).toBe(
      `Cannot start as the output directory ${dir} has 8.0 KB free and this run needs 1.7 MB for 1 WAV not yet stored; free some space or choose another --out`,
    );
    expect(
      await checkFreeSpace({
        store: withFree(1_700_000),
        jobs,
        force: false,
        format: 'pcm16',
        normalize: 'peak',
      }),
    ).toBeUndefined();
    expect(
      await checkFreeSpace({
        store: withFree(1_700_000),
        jobs,
        force: true,
        format: 'pcm16',
        normalize: 'peak',
      }),
    ).toBe(
      `Cannot start as the output directory ${dir} has 1.7 MB free and this run needs 1.8 MB for 2 WAVs not yet stored; free some space or choose another --out`,
    );
  });

  it('asks nothing of a store without a size limit, nor when every job is stored', async () => {
    const s3Like: ObjectStore = { ...store, freeBytes: undefined };
    expect(
      await checkFreeSpace({
        store: s3Like,
        jobs: [job('a.wav', 50)],
        force: true,
        format: 'pcm16',
        normalize: 'peak',
      }),
    ).toBeUndefined();
    expect(
      await checkFreeSpace({
        store: withFree(0),
        jobs: [],
        force: false,
        format: 'pcm16',
        normalize: 'peak',
      }),
    ).toBeUndefined();
  });

  it('writes sizes for people', () => {
    expect([formatBytes(8_000), formatBytes(1_457_152), formatBytes(4.2e9)]).toEqual([
      '8.0 KB',
      '1.5 MB',
      '4.2 GB',
    ]);
  });
});
