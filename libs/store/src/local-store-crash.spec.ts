import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';

/**
 * A process killed in the middle of a put: every file-system call that changes something (open for
 * writing, rename, unlink, rmdir) is counted, and from the `crashAt`-th one on every call fails as if
 * the process were gone, so nothing after it (not even the put's own clean-up) reaches the disk.
 */
const crash = vi.hoisted(() => ({ at: Number.POSITIVE_INFINITY, calls: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const dead = () => Promise.reject(Object.assign(new Error('killed'), { code: 'EKILLED' }));
  const step = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, mutates: (...args: A) => boolean) =>
    ((...args: A) => {
      if (crash.calls >= crash.at) return dead();
      if (!mutates(...args)) return fn(...args);
      crash.calls += 1;
      return crash.calls >= crash.at ? dead() : fn(...args);
    }) as (...args: A) => Promise<R>;
  const always = () => true;
  return {
    ...fs,
    open: step(fs.open, (_path, flags) => flags !== undefined && flags !== 'r'),
    rename: step(fs.rename, always),
    unlink: step(fs.unlink, always),
    rmdir: step(fs.rmdir, always),
    readFile: step(fs.readFile, () => false),
    stat: step(fs.stat, () => false),
  };
});

const OLD = { body: 'old audio', metadata: { 'musicgen-identity': 'aaaa', 'musicgen-weights': 'random' } };
const NEW = {
  body: 'new audio!',
  metadata: { 'musicgen-identity': 'aaaa', 'musicgen-weights': 'pretrained' },
};

async function read(store: ObjectStore, key: string) {
  const info = await store.head(key);
  if (!info) return undefined;
  const body = Buffer.concat(await (await store.get(key)).body.toArray()).toString();
  return { body, metadata: info.metadata };
}

describe('local store: a put killed at any step', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-crash-'));
    crash.at = Number.POSITIVE_INFINITY;
    crash.calls = 0;
  });
  afterEach(async () => {
    crash.at = Number.POSITIVE_INFINITY;
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves the old object or the new one, each with its own metadata, never a job without audio', async () => {
    const key = 'song_1a2b3c4d.wav';
    // How many changing calls a whole replace takes.
    const probe = createLocalStore({ directory: join(dir, 'probe') });
    await probe.put(key, Buffer.from(OLD.body), { metadata: OLD.metadata });
    crash.calls = 0;
    await probe.put(key, Buffer.from(NEW.body), { metadata: NEW.metadata });
    const steps = crash.calls;
    expect(steps).toBeGreaterThanOrEqual(4);

    const seen: string[] = [];
    for (let at = 1; at <= steps + 1; at += 1) {
      const folder = join(dir, `at-${at}`);
      const store = createLocalStore({ directory: folder });
      await store.put(key, Buffer.from(OLD.body), { metadata: OLD.metadata });
      crash.calls = 0;
      crash.at = at;
      const put = await store.put(key, Buffer.from(NEW.body), { metadata: NEW.metadata }).then(
        () => 'stored',
        (error: NodeJS.ErrnoException) => error.code,
      );
      crash.at = Number.POSITIVE_INFINITY;
      const after = await read(createLocalStore({ directory: folder }), key);
      expect({ at, after }).toEqual({ at, after: expect.objectContaining({}) });
      const version = after?.body === OLD.body ? 'old' : 'new';
      expect({ at, after }).toEqual({ at, after: version === 'old' ? OLD : NEW });
      if (put === 'stored') expect({ at, version }).toEqual({ at, version: 'new' });
      seen.push(version);
      expect((await readdir(folder)).filter((f) => !f.endsWith('.partial')).sort()).toEqual([
        key,
        `${key}.meta.json`,
      ]);
    }
    // Early crashes keep the old object, late ones (and no crash) give the new one.
    expect(seen[0]).toBe('old');
    expect(seen.at(-1)).toBe('new');
  });
});
