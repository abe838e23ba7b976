import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeaseOwner } from '@musicgen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { abandonedSpools, locationFolder, Spool } from './spool.js';

const LOCATION = 's3://renders/v1/';
const owner = (runId: string, pid = process.pid): LeaseOwner => ({ runId, host: hostname(), pid });
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 1;

describe('Spool', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'musicgen-spool-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps whole entries on disk, oldest first, and removes its folder once empty', async () => {
    const spool = await Spool.open({ root, location: LOCATION, owner: owner('run-live') });
    expect(await readdir(root)).toEqual([]); // nothing written before the first entry
    const a = await spool.add('a.wav', Buffer.from('aaaa'), { 'musicgen-identity': '1' }, 'audio/wav');
    const b = await spool.add('sub/b.wav', Buffer.from('bb'), {}, 'audio/wav');
    expect([
      spool.entries.map((e) => e.key),
      spool.bytes,
      spool.fits(spool.maxBytes - 6),
      spool.fits(spool.maxBytes),
    ]).toEqual([['a.wav', 'sub/b.wav'], 6, true, false]);
    expect(Buffer.concat(await spool.body(a).toArray()).toString()).toBe('aaaa');
    await spool.remove(a);
    await spool.remove(b);
    await spool.close();
    expect(await readdir(root)).toEqual([]);
  });

  it("finds a dead run's whole entries, leaves live runs alone, and skips half-written ones", async () => {
    const dead = await Spool.open({ root, location: LOCATION, owner: owner('run-dead', deadPid()) });
    await dead.add('a.wav', Buffer.from('aaaa'), { 'musicgen-identity': '1' }, 'audio/wav');
    await dead.add('b.wav', Buffer.from('bbbb'), {}, 'audio/wav');
    // A kill between the WAV and its .json: the WAV alone is not an entry.
    await writeFile(join(dead.directory, '000003-00000000.wav'), 'cut');
    const live = await Spool.open({ root, location: LOCATION, owner: owner('run-live') });
    await live.add('c.wav', Buffer.from('cc'), {}, 'audio/wav');
    const other = await Spool.open({ root, location: 's3://other/', owner: owner('run-other', deadPid()) });
    await other.add('d.wav', Buffer.from('dd'), {}, 'audio/wav');

    const found = await abandonedSpools(root, LOCATION);
    expect(found.map((f) => [f.directory, f.owner.runId, f.entries.map((e) => [e.key, e.bytes])])).toEqual([
      [
        join(locationFolder(root, LOCATION), 'run-dead'),
        'run-dead',
        [
          ['a.wav', 4],
          ['b.wav', 4],
        ],
      ],
    ]);
    const adopting = await Spool.open({ root, location: LOCATION, owner: owner('run-next') });
    for (const abandoned of found) await adopting.adopt(abandoned);
    expect(adopting.entries.map((e) => [e.key, e.metadata])).toEqual([
      ['a.wav', { 'musicgen-identity': '1' }],
      ['b.wav', {}],
    ]);
    expect((await readdir(locationFolder(root, LOCATION))).sort()).toEqual(['run-live', 'run-next']);
  });
});
