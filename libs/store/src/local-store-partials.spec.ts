import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';

describe('local store: partial files of writes that never finished', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-partials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes those older than the run start, keeps newer ones and those of keys a live run holds', async () => {
    const store = createLocalStore({ directory: dir });
    await store.put('done.wav', Buffer.from('audio'));
    await mkdir(join(dir, 'reports'));
    const old = new Date(Date.now() - 3_600_000);
    const files = {
      'killed.wav.0123456789ab.partial': old,
      'killed.wav.meta.json.0123456789ab.partial': old,
      'reports/20261201T010000Z-abcd.json.a1b2c3d4e5f6.partial': old,
      'held.wav.ffffffffffff.partial': old,
      'fresh.wav.eeeeeeeeeeee.partial': new Date(Date.now() + 60_000),
      'not-ours.partial': old,
    };
    for (const [name, time] of Object.entries(files)) {
      await writeFile(join(dir, name), 'x');
      await utimes(join(dir, name), time, time);
    }
    const asked: string[] = [];
    const removed = await store.removeStalePartials?.({
      before: new Date(),
      keep: async (key) => (asked.push(key), key === 'held.wav'),
    });
    expect(removed).toBe(3);
    expect(asked.sort()).toEqual([
      'held.wav',
      'killed.wav',
      'killed.wav',
      'reports/20261201T010000Z-abcd.json',
    ]);
    expect((await readdir(dir, { recursive: true })).sort()).toEqual([
      'done.wav',
      'done.wav.meta.json',
      'fresh.wav.eeeeeeeeeeee.partial',
      'held.wav.ffffffffffff.partial',
      'not-ours.partial',
      'reports',
    ]);
  });
});
