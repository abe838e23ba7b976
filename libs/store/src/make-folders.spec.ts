import { mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeInFolder } from './make-folders.js';

describe('writeInFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'musicgen-write-in-folder-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the missing folders, then writes', async () => {
    const folder = join(dir, 'a', 'b');
    await writeInFolder(folder, () => writeFile(join(folder, 'f'), 'x', { flag: 'wx' }));
    expect(await readFile(join(folder, 'f'), 'utf8')).toBe('x');
  });

  it('makes the folder again when another process removes it before the write (a concurrent check tidying up)', async () => {
    const folder = join(dir, 'output', '_musicgen-check');
    let attempts = 0;
    await writeInFolder(folder, async () => {
      attempts += 1;
      if (attempts <= 2) await rmdir(folder);
      await writeFile(join(folder, 'probe'), 'x', { flag: 'wx' });
    });
    expect(attempts).toBe(3);
    expect(await readFile(join(folder, 'probe'), 'utf8')).toBe('x');
  });

  it('gives up with the ENOENT after five attempts', async () => {
    const folder = join(dir, 'output');
    let attempts = 0;
    const write = writeInFolder(folder, async () => {
      attempts += 1;
      await rmdir(folder);
      await writeFile(join(folder, 'f'), 'x', { flag: 'wx' });
    });
    await expect(write).rejects.toMatchObject({ code: 'ENOENT' });
    expect(attempts).toBe(5);
  });

  it('does not retry other errors', async () => {
    const folder = join(dir, 'output');
    let attempts = 0;
    const write = writeInFolder(folder, async () => {
      attempts += 1;
      await writeFile(join(folder, 'f'), 'x', { flag: 'wx' });
    });
    await write;
    const again = writeInFolder(folder, async () => {
      attempts += 1;
      await writeFile(join(folder, 'f'), 'y', { flag: 'wx' });
    });
    await expect(again).rejects.toMatchObject({ code: 'EEXIST' });
    expect(attempts).toBe(2);
  });
});
