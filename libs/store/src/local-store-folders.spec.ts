import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import { mountTmpfs } from './testing/mount-tmpfs.js';

describe('local store: output folders that cannot hold files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-folders-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.runIf(process.platform === 'linux')(
    'refuses a folder under /proc at once (Node 20 loops there forever)',
    async () => {
      const store = createLocalStore({ directory: '/proc/musicgen-out' });
      expect(await store.check()).toEqual({
        ok: false,
        problems: [
          'Cannot write to the output directory /proc/musicgen-out: /proc is a proc pseudo-file system, which holds no files; choose a directory on a disk',
        ],
      });
      await expect(store.put('a.wav', Buffer.from('x'))).rejects.toThrow(
        '/proc is a proc pseudo-file system, which holds no files; choose a directory on a disk',
      );
    },
  );

  it('names a read-only file system as such, for the folder and for a folder inside it', async (context) => {
    const disk = await mountTmpfs({ sizeBytes: 1 << 20, readOnly: true });
    if (typeof disk === 'string') return context.skip(disk);
    try {
      for (const folder of [disk.path, join(disk.path, 'renders', 'v1')]) {
        expect(await createLocalStore({ directory: folder }).check()).toEqual({
          ok: false,
          problems: [
            `Cannot write to the output directory ${folder}: it is on a read-only file system (EROFS); choose another output directory or mount it read-write`,
          ],
        });
      }
    } finally {
      await disk.unmount();
    }
  });

  it('names a path through a file as such', async () => {
    await writeFile(join(dir, 'file'), 'not a directory');
    const blocked = createLocalStore({ directory: join(dir, 'file') });
    expect(await blocked.check()).toEqual({
      ok: false,
      problems: [
        `Cannot write to the output directory ${join(dir, 'file')}: a part of the path is a file, not a directory (ENOTDIR); choose another output directory`,
      ],
    });
  });
});
