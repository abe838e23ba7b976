import { randomBytes } from 'node:crypto';
import { link, readFile, readdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  isLeaseLive,
  leaseRecord,
  LEASE_PREFIX,
  parseLeaseRecord,
  type JobLeases,
  type Lease,
  type LeaseOwner,
  type LeaseRecord,
} from './lease.js';
import { writeInFolder } from './make-folders.js';
import { validateKey } from './store-key.js';

/** Times a lease may change hands under an acquire before it gives up. */
const MAX_ROUNDS = 5;

/**
 * Leases as exclusive lock files in the store's folder: `_musicgen-leases/<name>.lease.<n>`. Each file
 * is created whole and only if absent (written to a temporary file, then hard-linked to its name, which
 * fails when the name exists). The holder is the highest `n`; taking over an expired or dead holder's
 * lease means creating `n + 1`, which only one contender can do. Renewing rewrites the holder's own file.
 *
 * @example
 * ```ts
 * const leases = createLocalLeases('/data/output');
 * const result = await leases.acquire('calm_1a2b3c4d.wav', { owner: leaseOwner('run-7'), ttlMs: 120_000 });
 * ```
 */
export function createLocalLeases(root: string): JobLeases {
  const base = join(root, ...LEASE_PREFIX.split('/').filter(Boolean));
  const fileOf = (name: string, n: number) => `${join(base, ...name.split('/'))}.lease.${n}`;

  const generations = async (name: string): Promise<number[]> => {
    const folder = dirname(fileOf(name, 0));
    const stem = `${basename(name)}.lease.`;
    const entries = await readdir(folder).catch(missingAsEmpty);
    return entries
      .filter((entry) => entry.startsWith(stem) && /^\d+$/.test(entry.slice(stem.length)))
      .map((entry) => Number(entry.slice(stem.length)))
      .sort((a, b) => b - a);
  };
  const read = async (name: string, n: number): Promise<LeaseRecord | undefined> => {
    const text = await readFile(fileOf(name, n), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseLeaseRecord(text);
  };
  /** Creates generation `n` holding `record`, whole, unless it exists. */
  const create = async (name: string, n: number, record: LeaseRecord): Promise<boolean> => {
    const file = fileOf(name, n);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeInFolder(dirname(file), () => writeFile(temp, JSON.stringify(record), { flag: 'wx' }));
    try {
      await link(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      // A file system without hard links (FAT): an exclusive create, written at once.
      return writeFile(file, JSON.stringify(record), { flag: 'wx' }).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') return false;
          throw e;
        },
      );
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  };

  const held = (name: string, n: number, owner: LeaseOwner, ttlMs: number): Lease => ({
    name,
    async renew() {
      const [top] = await generations(name);
      if (top !== n) return false;
      const file = fileOf(name, n);
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, JSON.stringify(leaseRecord(owner, ttlMs)), { flag: 'wx' });
      await rename(temp, file);
      return true;
    },
    async release() {
      await unlink(fileOf(name, n)).catch(() => undefined);
      // Leave no empty folders behind: the output folder holds only what the user asked for.
      for (let folder = dirname(fileOf(name, n)); folder.startsWith(base); folder = dirname(folder)) {
        if (
          !(await rmdir(folder).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    },
  });

  return {
    mode: () => Promise.resolve('exclusive'),

    async acquire(name, { owner, ttlMs }) {
      validateKey(name);
      let last: LeaseRecord | undefined;
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        const [top = 0] = await generations(name);
        const current = top > 0 ? await read(name, top) : undefined;
        if (current && current.runId !== owner.runId && isLeaseLive(current)) {
          return { acquired: false, holder: current };
        }
        last = current;
        if (await create(name, top + 1, leaseRecord(owner, ttlMs))) {
          for (let old = top; old >= 1; old -= 1) await unlink(fileOf(name, old)).catch(() => undefined);
          return { acquired: true, lease: held(name, top + 1, owner, ttlMs) };
        }
      }
      if (last) return { acquired: false, holder: last };
      throw new Error(
        `Cannot take the lease ${JSON.stringify(name)}: it changed hands ${MAX_ROUNDS} times in a row`,
      );
    },

    async holder(name, runId) {
      validateKey(name);
      const [top] = await generations(name);
      const current = top === undefined ? undefined : await read(name, top);
      return current && current.runId !== runId && isLeaseLive(current) ? current : undefined;
    },
  };
}

function missingAsEmpty(error: NodeJS.ErrnoException): string[] {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
  throw error;
}
