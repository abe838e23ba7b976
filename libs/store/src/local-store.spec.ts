import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { StoreError } from './store-error.js';

async function text(store: ObjectStore, key: string): Promise<string> {
  return Buffer.concat(await (await store.get(key)).body.toArray()).toString();
}

/** Every file under `dir`, relative, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('local directory store', () => {
  let dir: string;
  let store: ObjectStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-local-'));
    store = createLocalStore({ directory: join(dir, 'out') });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts bytes and streams with metadata and reads them back', async () => {
    expect(await store.put('a.wav', Buffer.from('bytes'), { metadata: { 'musicgen-seed': '1' } })).toEqual({
      key: 'a.wav',
      bytes: 5,
      metadata: { 'musicgen-seed': '1' },
    });
    expect(await store.put('sub/b.wav', Readable.from([Buffer.from('str'), Buffer.from('eam')]))).toEqual({
      key: 'sub/b.wav',
      bytes: 6,
      metadata: {},
    });
    expect(await store.head('a.wav')).toEqual({ key: 'a.wav', bytes: 5, metadata: { 'musicgen-seed': '1' } });
    expect([await text(store, 'a.wav'), await text(store, 'sub/b.wav')]).toEqual(['bytes', 'stream']);
    expect(await files(join(dir, 'out'))).toEqual([
      'a.wav',
      'a.wav.meta.json',
      'sub/b.wav',
      'sub/b.wav.meta.json',
    ]);
  });

  it('answers missing keys', async () => {
    expect(await store.head('nope.wav')).toBeUndefined();
    expect(await store.exists('nope.wav')).toBe(false);
    await expect(store.get('nope.wav')).rejects.toThrow(
      new StoreError('NOT_FOUND', 'Cannot get object: no object under "nope.wav"'),
    );
    await expect(store.delete('nope.wav')).resolves.toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('lists by prefix, sorted, without sidecars, and deletes body and sidecar', async () => {
    for (const key of ['b/2.wav', 'a/1.wav', 'b/1.wav', 'bb.wav', 'c.txt'])
      await store.put(key, Buffer.from(key));
    expect(await store.list('b')).toEqual([
      { key: 'b/1.wav', bytes: 7 },
      { key: 'b/2.wav', bytes: 7 },
      { key: 'bb.wav', bytes: 6 },
    ]);
    expect(await store.list('b/')).toEqual([
      { key: 'b/1.wav', bytes: 7 },
      { key: 'b/2.wav', bytes: 7 },
    ]);
    await store.delete('b/1.wav');
    expect(await files(join(dir, 'out', 'b'))).toEqual(['2.wav', '2.wav.meta.json']);
  });

  it('replaces an object and its metadata together', async () => {
    await store.put('a.wav', Buffer.from('one'), { metadata: { v: '1' } });
    await store.put('a.wav', Buffer.from('second'), { metadata: { v: '2' } });
    expect(await store.head('a.wav')).toEqual({ key: 'a.wav', bytes: 6, metadata: { v: '2' } });
    expect(await text(store, 'a.wav')).toBe('second');
    expect(JSON.parse(await readFile(join(dir, 'out', 'a.wav.meta.json'), 'utf8'))).toEqual({
      metadata: { v: '2' },
      contentType: 'application/octet-stream',
    });
  });

  it('keeps the metadata of a folder copied elsewhere (the sidecar is not tied to the file)', async () => {
    await store.put('a.wav', Buffer.from('one'), { metadata: { v: '1' } });
    await store.put('a.wav', Buffer.from('two'), { metadata: { v: '2' } });
    await cp(join(dir, 'out'), join(dir, 'copy'), { recursive: true });
    expect(await createLocalStore({ directory: join(dir, 'copy') }).head('a.wav')).toEqual({
      key: 'a.wav',
      bytes: 3,
      metadata: { v: '2' },
    });
  });

  it('leaves nothing under the final name (and the previous object intact) when the body fails midway', async () => {
    await store.put('a.wav', Buffer.from('old'), { metadata: { v: '1' } });
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(64 * 1024, 1);
        throw new Error('generator crashed');
      })(),
    );
    await expect(store.put('a.wav', failing, { metadata: { v: '2' } })).rejects.toThrow('generator crashed');
    await expect(
      store.put(
        'new.wav',
        Readable.from(
          (async function* () {
            yield Buffer.from('x');
            throw new Error('boom');
          })(),
        ),
      ),
    ).rejects.toThrow('boom');
    expect(await store.head('a.wav')).toEqual({ key: 'a.wav', bytes: 3, metadata: { v: '1' } });
    expect(await store.exists('new.wav')).toBe(false);
    expect(await files(join(dir, 'out'))).toEqual(['a.wav', 'a.wav.meta.json']);
  });

  it('stops on an abort signal and cleans up', async () => {
    const controller = new AbortController();
    const endless = Readable.from(
      (async function* () {
        for (;;) {
          yield Buffer.alloc(1024);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
    );
    const put = store.put('endless.wav', endless, { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('user cancelled')));
    await expect(put).rejects.toThrow(new Error('user cancelled'));
    expect(await files(join(dir, 'out'))).toEqual([]);
  });

  it('reads an object without a readable sidecar as having no metadata', async () => {
    await store.put('x.wav', Buffer.from('x'));
    await writeFile(join(dir, 'out', 'copied.wav'), 'abc');
    expect(await store.head('copied.wav')).toEqual({ key: 'copied.wav', bytes: 3, metadata: {} });
    await writeFile(join(dir, 'out', 'x.wav.meta.json'), '{ garbled');
    expect(await store.head('x.wav')).toEqual({ key: 'x.wav', bytes: 1, metadata: {} });
  });

  it.each([
    [
      'a.wav.meta.json',
      'Cannot use object key: names ending in ".meta.json" or ".partial" are reserved by the local store: got "a.wav.meta.json"',
    ],
    [
      'a.partial',
      'Cannot use object key: names ending in ".meta.json" or ".partial" are reserved by the local store: got "a.partial"',
    ],
    ['../a.wav', 'Cannot use object key: it has a ".." path segment: got "../a.wav"'],
  ])('rejects the key %j', async (key, message) => {
    await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(new RangeError(message));
  });

  it('checks that the directory can be written, leaving no probe behind', async () => {
    await mkdir(join(dir, 'out'), { recursive: true });
    expect(await store.check()).toEqual({ ok: true, problems: [] });
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });

  it('creates nothing when the directory does not exist yet: the folders the probe made are removed', async () => {
    const fresh = createLocalStore({ directory: join(dir, 'not', 'yet', 'there') });
    expect(await fresh.check()).toEqual({ ok: true, problems: [] });
    expect(await readdir(dir)).not.toContain('not');
  });
});
